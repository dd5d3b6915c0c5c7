package armo_builtins

import rego.v1

# The input is the kube-apiserver Pod. Without --encryption-provider-config
# the API server writes Secrets to etcd in plain text: anyone with a copy of
# etcd data or its backups reads every credential in the cluster.
deny contains msga if {
	some pod in input
	c := pod.spec.containers[0]
	flags := all_flags(c)
	not flag_set(flags, "--encryption-provider-config")

	msga := {
		"alertMessage": "etcd encryption is not enabled",
		"packagename": "armo_builtins",
		"alertScore": 9,
		"failedPaths": [],
		"fixPaths": [{"path": append_path(c), "value": "--encryption-provider-config=YOUR_VALUE"}],
		"alertObject": {"k8sApiObjects": [pod]},
	}
}

# The next free index of args when the container uses args, else of command.
append_path(c) := sprintf("spec.containers[0].args[%d]", [count(c.args)]) if {
	count(object.get(c, "args", [])) > 0
} else := sprintf("spec.containers[0].command[%d]", [count(object.get(c, "command", []))])

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
