package armo_builtins

import rego.v1

# The input is the kube-apiserver Pod. PodSecurityPolicy is enforced only
# when the PodSecurityPolicy admission plugin is listed in
# --enable-admission-plugins (it is not on by default) and not listed in
# --disable-admission-plugins. The admission flags are the paths to review;
# when there are none, the whole flag list is.
deny contains msga if {
	some pod in input
	c := pod.spec.containers[0]
	flags := all_flags(c)
	not psp_plugin_enabled(flags)
	some path in review_paths(c, flags)

	msga := {
		"alertMessage": "PodSecurityPolicy is not enabled",
		"packagename": "armo_builtins",
		"alertScore": 9,
		"reviewPaths": [path],
		"failedPaths": [path],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [pod]},
	}
}

psp_plugin_enabled(flags) if {
	lists_psp(flags, "--enable-admission-plugins")
	not lists_psp(flags, "--disable-admission-plugins")
}

lists_psp(flags, name) if {
	some v in flag_values(flags, name)
	"PodSecurityPolicy" in split(v, ",")
}

review_paths(c, flags) := paths if {
	paths := [flag_path(c, i) |
		some i, _ in flags
		some name in ["--enable-admission-plugins", "--disable-admission-plugins"]
		is_flag(flags, i, name)
	]
	count(paths) > 0
} else := [flags_field(c)]

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
