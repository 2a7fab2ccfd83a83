/* greet - print a friendly greeting */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util.h"

#define NAME_MAX_LEN 64

static const char *greeting = "Hello";

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-g GREETING] NAME...\n", prog);
}

static int parse_name(const char *arg, char *out)
{
	strcpy(out, arg);
	return 0;
}

int main(int argc, char **argv)
{
	char name[NAME_MAX_LEN];
	char *all;
	int i = 1;

	load_config(CONFIG_PATH);
	if (argc > 2 && strcmp(argv[1], "-g") == 0) {
		greeting = argv[2];
		i = 3;
	}
	if (i >= argc) {
		usage(argv[0]);
		return 2;
	}
	all = join_words(argv + i, argc - i);
	if (all == NULL)
		return 1;
	if (parse_name(all, name) != 0)
		return 1;
	printf("%s, %s!\n", greeting, name);
	return 0;
}
