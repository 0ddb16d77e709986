# roles.sh - sourced by setup and instcheck: maps hier's role names to the
# names configured in conf-users and conf-groups, and walks scripts/hier.
# shellcheck shell=sh

top=$(cd "$(dirname "$0")/.." && pwd)
roles_users="alias qmaild qmaill root qmailp qmailq qmailr qmails"
roles_groups="qmail nofiles"
conf_users=$(head -n 1 "$top/conf-users")
conf_groups=$(head -n 1 "$top/conf-groups")

# role_name ROLE: prints the configured user or group name for ROLE
role_name() {
	i=0
	for r in $roles_users; do
		i=$((i + 1))
		if [ "$r" = "$1" ]; then
			echo "$conf_users" | awk -v n=$i '{print $n}'
			return
		fi
	done
	i=0
	for r in $roles_groups; do
		i=$((i + 1))
		if [ "$r" = "$1" ]; then
			echo "$conf_groups" | awk -v n=$i '{print $n}'
			return
		fi
	done
	echo "$1"
}

# hier_path PATH: the absolute path of a hier entry
hier_path() {
	case $1 in
	queue) echo "$queue" ;;
	queue/*) echo "$queue/${1#queue/}" ;;
	.) echo "$home" ;;
	*) echo "$home/$1" ;;
	esac
}

# hier_lines: the hier entries without comments, plus unlisted programs
hier_lines() {
	grep -v '^#' "$top/scripts/hier" | grep -v '^[[:space:]]*$'
	if [ -n "${build:-}" ] && [ -d "$build/bin" ]; then
		for p in "$build"/bin/*; do
			n=$(basename "$p")
			grep -q "^c bin/$n " "$top/scripts/hier" ||
				echo "c bin/$n root qmail 0711"
		done
	fi
}
