/* small helpers for greet */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

char *xstrdup(const char *s)
{
	char *p = malloc(strlen(s) + 1);

	if (!p)
		abort();
	strcpy(p, s);
	return p;
}

char *join_words(char **words, int n)
{
	size_t len = 1;
	char *buf;
	int i;

	for (i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	buf = malloc(len);
	if (!buf)
		return NULL;
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		strcat(buf, words[i]);
		if (i + 1 < n)
			strcat(buf, " ");
	}
	return buf;
}

int load_config(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		if (line[0] == '#')
			continue;
	}
	if (ferror(f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}
