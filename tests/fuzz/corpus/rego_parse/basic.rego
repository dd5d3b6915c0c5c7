package t
import rego.v1
p contains x if { some x in [1, 2] }
q := {k: v | some k, v in {"a": 1}}
f(x) := y if { y := x + 1 } else := 0
r := f(1) if { every z in [1] { z > 0 } }
