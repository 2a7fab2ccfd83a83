//go:build unix

package input

import "syscall"

const openNonBlock = syscall.O_NONBLOCK
