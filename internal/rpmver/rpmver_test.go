package rpmver

import "testing"

// TestCompareNUL holds the inputs on which the two former copies of
// rpmvercmp (provenance/source and specfile) disagreed: the specfile copy
// skipped a NUL as a separator, but rpm works on C strings, so a NUL ends
// the version. The wants are rpm 4.18's rpm.vercmp results.
func TestCompareNUL(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"1\x00z", "1", 0},
		{"a\x009", "a1", -1},
		{"1.0\x00a", "1.0", 0},
		{"2\x00~", "2", 0},
		{"1.0", "1.0\x00^git1", 0},
		{"1.0~rc1\x00", "1.0~rc1\x00.1", 0},
	}
	for _, c := range cases {
		if got := Compare(c.a, c.b); got != c.want {
			t.Errorf("Compare(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := Compare(c.b, c.a); got != -c.want {
			t.Errorf("Compare(%q, %q) = %d, want %d", c.b, c.a, got, -c.want)
		}
	}
}

func TestCompare(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0", 0}, {"1.0", "2.0", -1}, {"1.10", "1.9", 1}, {"1.0a", "1.0", 1},
		{"1.0~rc1", "1.0", -1}, {"1.0^git1", "1.0", 1}, {"1.0^git1", "1.0.1", -1},
		{"001", "1", 0}, {"a", "1", -1}, {"1.0.", "1.0", 0}, {"", "", 0}, {"", "1", -1},
		{"1.0~rc1", "1.0~rc2", -1}, {"1.0^", "1.0~", 1}, {"~~", "~", -1}, {"^^", "^", 1},
		{"2_0", "2.0", 0}, {"10.0001", "10.1", 0}, {"é1", "1", 0},
	}
	for _, c := range cases {
		if got := Compare(c.a, c.b); got != c.want {
			t.Errorf("Compare(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
