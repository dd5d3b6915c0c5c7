# Helper functions rules may import as data.cautils (the package name and
# function names are the ones the upstream control library calls).
package cautils

import rego.v1

# list_contains(coll, x): x is an element (or value) of coll.
list_contains(coll, x) if {
	some y in coll
	y == x
}

getPodName(metadata) := metadata.name

# object_intersection(a, b): the members of b that a has with the same value.
object_intersection(a, b) := {k: v | some k, v in b; a[k] == v}

is_subobject(sub, parent) if object_intersection(sub, parent) == sub

# Permission bits (an integer such as 420 for 0644) as flags.
unix_permission(mode) := {
	"user": _rwx(bits.rsh(mode, 6)),
	"group": _rwx(bits.rsh(mode, 3)),
	"everyone": _rwx(mode),
	"setuid": bits.and(mode, 2048) != 0,
	"setgid": bits.and(mode, 1024) != 0,
	"sticky": bits.and(mode, 512) != 0,
}

unix_permission_from_octal(digit) := _rwx(digit)

_rwx(n) := {"read": bits.and(n, 4) != 0, "write": bits.and(n, 2) != 0, "exec": bits.and(n, 1) != 0}

# unix_permissions_allow(allow, actual): every one of the twelve permission
# bits (rwx for user, group and others, setuid, setgid, sticky) set in
# actual is also set in allow.
unix_permissions_allow(allow, actual) if {
	bits.and(bits.and(actual, 4095), bits.negate(bits.and(allow, 4095))) == 0
}

# 0644 or stricter.
is_strict_conf_permission(mode) if unix_permissions_allow(420, mode)

is_not_strict_conf_permission(mode) if not is_strict_conf_permission(mode)

# Owned by root:root; an ownership that could not be read is not reported.
is_strict_conf_ownership(o) if o.err

is_strict_conf_ownership(o) if {
	o.uid == 0
	o.gid == 0
}

is_not_strict_conf_ownership(o) if not is_strict_conf_ownership(o)
