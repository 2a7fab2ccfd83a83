package patchset

import "bytes"

// notSpace is 1 for bytes git's isspace does not count as whitespace
// (git's own ctype: only SP, TAB, LF and CR are space).
var notSpace = func() (t [256]byte) {
	for i := range t {
		t[i] = 1
	}
	t[' '], t['\t'], t['\n'], t['\r'] = 0, 0, 0, 0
	return t
}()

// stripSpace copies src to dst without git's whitespace and returns the
// number of bytes written; len(dst) must be at least len(src). (A
// branch-free byte loop; eight-byte word tricks measured slower on source
// code, where most words hold a space.)
func stripSpace(dst, src []byte) int {
	k := 0
	for _, c := range src {
		dst[k] = c
		k += int(notSpace[c])
	}
	return k
}

// cutNUL returns line up to its first NUL and whether there was one.
func cutNUL(line []byte) ([]byte, bool) {
	if i := bytes.IndexByte(line, 0); i >= 0 {
		return line[:i], true
	}
	return line, false
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// oidHex is git's get_oid_hex: 40 hex digits at the start of p.
func oidHex(p []byte, oid *[20]byte) bool {
	if len(p) < 40 {
		return false
	}
	for i := 0; i < 20; i++ {
		a, ok1 := hexVal(p[2*i])
		b, ok2 := hexVal(p[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		oid[i] = a<<4 | b
	}
	return true
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// cIsSpace is the C library's isspace in the C locale, which atoi uses.
func cIsSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// atoi is glibc's atoi: (int)strtol(s, NULL, 10), saturating at the
// limits of a 64-bit long before truncation to 32 bits.
func atoi(b []byte) int32 {
	i := 0
	for i < len(b) && cIsSpace(b[i]) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	var v uint64
	over := false
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		d := uint64(b[i] - '0')
		if v > (1<<63-d)/10 {
			over = true
		}
		if !over {
			v = v*10 + d
		}
	}
	var l int64
	switch {
	case over && neg:
		l = -1 << 63
	case over:
		l = 1<<63 - 1
	case neg:
		if v == 1<<63 {
			l = -1 << 63
		} else {
			l = -int64(v)
		}
	default:
		if v > 1<<63-1 {
			l = 1<<63 - 1
		} else {
			l = int64(v)
		}
	}
	return int32(l)
}

func digitSpan(b []byte) int {
	n := 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		n++
	}
	return n
}

func at(b []byte, i int) byte {
	if i < len(b) {
		return b[i]
	}
	return 0
}

// scanHunkHeader is git's scan_hunk_header: it sets the line counts of
// "@@ -a[,b] +c[,d]", a missing count being 1, and stops early (leaving
// a count as it is) on a malformed header, as git does.
func scanHunkHeader(line []byte, before, after *int32) {
	q := line[4:]
	n := digitSpan(q)
	if at(q, n) == ',' {
		q = q[n+1:]
		*before = atoi(q)
		n = digitSpan(q)
	} else {
		*before = 1
	}
	if n == 0 || at(q, n) != ' ' || at(q, n+1) != '+' {
		return
	}
	r := q[n+2:]
	n = digitSpan(r)
	if at(r, n) == ',' {
		r = r[n+1:]
		*after = atoi(r)
	} else {
		*after = 1
	}
}
