package t
p[x] { x := input.a[_] }
q = y { y := count(p) }
default r = false
r { not q }
