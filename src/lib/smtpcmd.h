/*
 * smtpcmd.h - splitting an SMTP command line (RFC 5321 4.1) into a verb
 * and its argument, and parsing MAIL FROM parameters (SIZE, BODY,
 * SMTPUTF8, AUTH).
 *
 * The line is what the server read, with its LF and an optional CR before
 * it; a NUL or any other control byte except TAB is an error (a CR inside
 * a command line is how smuggling and header-injection attempts start).
 * Verbs are case-insensitive. Pure functions over caller memory: no
 * allocation, nothing exits, safe anywhere.
 */
#ifndef SMTPCMD_H
#define SMTPCMD_H

#include <stdbool.h>
#include <stddef.h>

enum smtpcmd {
	SMTPCMD_UNKNOWN,
	SMTPCMD_HELO,
	SMTPCMD_EHLO,
	SMTPCMD_MAIL,
	SMTPCMD_RCPT,
	SMTPCMD_DATA,
	SMTPCMD_RSET,
	SMTPCMD_NOOP,
	SMTPCMD_QUIT,
	SMTPCMD_VRFY,
	SMTPCMD_EXPN,
	SMTPCMD_HELP,
	SMTPCMD_STARTTLS,
	SMTPCMD_AUTH,
	SMTPCMD_BDAT
};

enum smtpcmd_status {
	SMTPCMD_OK,
	SMTPCMD_NUL,  /* a NUL byte in the line */
	SMTPCMD_CTRL, /* another control byte (bare CR, ESC...) */
	SMTPCMD_EMPTY
};

/* smtpcmd_parse: classifies LINE[0..LEN); *ARG and *ARGLEN give the
 * argument after the verb and its separating space (empty when none) */
enum smtpcmd_status smtpcmd_parse(const char *line, size_t len,
    enum smtpcmd *cmd, size_t *arg, size_t *arglen);
/* smtpcmd_name: returns the upper-case verb, "?" for SMTPCMD_UNKNOWN */
const char *smtpcmd_name(enum smtpcmd cmd);
/* smtpcmd_prefix: returns the length of PREFIX ("FROM:") when ARG starts
 * with it, case-insensitively; 0 otherwise */
size_t smtpcmd_prefix(const char *arg, size_t len, const char *prefix);

enum smtpcmd_body { SMTPCMD_BODY_NONE, SMTPCMD_BODY_7BIT,
	SMTPCMD_BODY_8BITMIME };

struct smtpcmd_mailparams {
	bool has_size;
	unsigned long long size;
	enum smtpcmd_body body;
	bool smtputf8;
};

enum smtpcmd_param_status {
	SMTPCMD_PARAM_OK,
	SMTPCMD_PARAM_SYNTAX,  /* 501: malformed or repeated parameter */
	SMTPCMD_PARAM_UNKNOWN  /* 555: parameter not recognised */
};

/* smtpcmd_mail_params: parses the space-separated KEY[=VALUE] list after
 * the MAIL FROM path */
enum smtpcmd_param_status smtpcmd_mail_params(const char *s, size_t len,
    struct smtpcmd_mailparams *p);
/* smtpcmd_rcpt_params: no RCPT parameters are supported: anything but
 * spaces is SMTPCMD_PARAM_UNKNOWN */
enum smtpcmd_param_status smtpcmd_rcpt_params(const char *s, size_t len);

#endif
