#ifndef GREET_CONFIG_H
#define GREET_CONFIG_H

#define CONFIG_PATH "/usr/local/etc/greet.conf"

#endif
