package rpmver_test

import (
	"fmt"

	"github.com/patchtrace/patchtrace/internal/rpmver"
)

func ExampleCompare() {
	fmt.Println(rpmver.Compare("1.10", "1.9"), rpmver.Compare("1.0~rc1", "1.0"), rpmver.Compare("1.0^git1", "1.0.1"), rpmver.Compare("001", "1"))
	// Output: 1 -1 -1 0
}
