package input_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/patchtrace/patchtrace/input"
)

func TestPositionString(t *testing.T) {
	for _, tc := range []struct {
		p    input.Position
		want string
	}{
		{input.Position{}, "-"},
		{input.Position{File: "a.spec"}, "a.spec"},
		{input.Position{File: "a.spec", Line: 3}, "a.spec:3"},
		{input.Position{File: "a.spec", Line: 3, Col: 7}, "a.spec:3:7"},
		{input.Position{Line: 3, Col: 7}, "3:7"},
		{input.Position{File: "x.src.rpm", Offset: 96}, "x.src.rpm: byte 96"},
		{input.Position{Offset: 96}, "byte 96"},
		{input.Position{File: "a", Line: 2, Offset: 96}, "a:2"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("%#v: %q, want %q", tc.p, got, tc.want)
		}
	}
}

func TestError(t *testing.T) {
	cause := errors.New("bad thing")
	err := fmt.Errorf("loading: %w", input.Errorf(input.Position{Offset: 5}, "%w: here", cause))
	if !errors.Is(err, cause) {
		t.Fatal("cause not wrapped")
	}
	if got, want := err.Error(), "loading: byte 5: bad thing: here"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	if got := (&input.Error{Err: cause}).Error(); got != "bad thing" {
		t.Errorf("zero position: %q", got)
	}
}

func ExampleError() {
	err := input.Errorf(input.Position{File: "curl.spec", Line: 12}, "%w: the spec is larger than %d bytes", input.ErrTooLarge, 64)
	fmt.Println(err)
	fmt.Println(errors.Is(err, input.ErrTooLarge))
	// Output:
	// curl.spec:12: input too large: the spec is larger than 64 bytes
	// true
}
