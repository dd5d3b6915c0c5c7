package armo_builtins

import rego.v1

# The input is the kube-apiserver Pod. Audit events are produced only with an
# audit policy (--audit-policy-file) and written only to a backend: a log file
# (--audit-log-path) or a webhook (--audit-webhook-config-file). Missing
# either, the API server keeps no record of who did what.
deny contains msga if {
	some pod in input
	c := pod.spec.containers[0]
	flags := all_flags(c)
	not audit_logging(flags)
	path := flags_field(c)

	msga := {
		"alertMessage": "audit logs is not enabled",
		"packagename": "armo_builtins",
		"alertScore": 9,
		"reviewPaths": [path],
		"failedPaths": [path],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [pod]},
	}
}

audit_logging(flags) if {
	flag_set(flags, "--audit-policy-file")
	some backend in ["--audit-log-path", "--audit-webhook-config-file"]
	flag_set(flags, backend)
}

# ---- command-line flags of the API server container ----

# kubeadm puts the flags in command, RKE2 and k3s in args; either may be
# missing.
all_flags(c) := array.concat(object.get(c, "command", []), object.get(c, "args", []))

# The path of the i-th element of all_flags(c).
flag_path(c, i) := sprintf("spec.containers[0].command[%d]", [i]) if {
	i < count(object.get(c, "command", []))
} else := sprintf("spec.containers[0].args[%d]", [i - count(object.get(c, "command", []))])

# Where a missing flag is to be added: args when the container uses them.
flags_field(c) := "spec.containers[0].args" if {
	count(object.get(c, "args", [])) > 0
} else := "spec.containers[0].command"

# True when flags[i] is the flag called name, in the --name=value or the
# --name value form.
is_flag(flags, i, name) if flags[i] == name

is_flag(flags, i, name) if startswith(flags[i], concat("", [name, "="]))

# The value of the flag at flags[i].
flag_value(flags, i, name) := substring(flags[i], count(name) + 1, -1) if {
	startswith(flags[i], concat("", [name, "="]))
}

flag_value(flags, i, name) := flags[i + 1] if flags[i] == name

# The values the flag is given, in order (the last one wins).
flag_values(flags, name) := [v | some i, _ in flags; v := flag_value(flags, i, name)]

# Set to a non-empty value.
flag_set(flags, name) if {
	some v in flag_values(flags, name)
	v != ""
}
