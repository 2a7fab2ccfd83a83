#ifndef GREET_UTIL_H
#define GREET_UTIL_H

char *xstrdup(const char *s);
char *join_words(char **words, int n);
int load_config(const char *path);

#endif
