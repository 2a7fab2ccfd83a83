package progress_test

import (
	"fmt"

	"github.com/patchtrace/patchtrace/progress"
)

func ExampleFunc() {
	var last progress.Report
	fn := progress.Func(func(r progress.Report) { last = r })
	for i := int64(1); i <= 3; i++ {
		fn.Send(progress.Report{Stage: "read", Detail: fmt.Sprint("file", i), Done: i, Total: 3})
	}
	var none progress.Func
	none.Send(progress.Report{Stage: "ignored"}) // a nil Func receives nothing
	fmt.Printf("%s %s %d/%d\n", last.Stage, last.Detail, last.Done, last.Total)
	// Output: read file3 3/3
}
