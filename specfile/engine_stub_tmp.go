package specfile

type macroTable struct{}
type engine struct{}
