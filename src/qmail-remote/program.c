/*
 * program.c - the qmail-remote program: remote_main() (deliver.c) as a
 * process of its own. qmail-rspawn runs the same code in a forked child
 * unless $QMAILREMOTE names another program.
 */
#include "remote.h"

int
main(int argc, char **argv)
{
	remote_main(argc, argv);
}
