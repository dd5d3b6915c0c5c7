package armo_builtins

import rego.v1

# The insecure port serves the whole API over plain HTTP with no
# authentication and no authorization. Any --insecure-port other than 0
# opens it (before Kubernetes 1.20 it was open on 8080 by default; the flag
# was removed in 1.24). Flags are read from command and args.
deny contains msga if {
	some pod in input
	is_api_server(pod)
	some i, c in pod.spec.containers
	flags := array.concat(object.get(c, "command", []), object.get(c, "args", []))
	some j, _ in flags
	value := flag_value(flags, j, "--insecure-port")
	value != "0"
	path := flag_path(c, i, j)

	msga := {
		"alertMessage": sprintf("The API server container: %v has insecure-port flag enabled", [c.name]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"reviewPaths": [path],
		"failedPaths": [path],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [pod]},
	}
}

is_api_server(pod) if {
	pod.kind == "Pod"
	contains(pod.metadata.name, "kube-apiserver")
}

flag_value(flags, j, name) := substring(flags[j], count(name) + 1, -1) if {
	startswith(flags[j], concat("", [name, "="]))
}

flag_value(flags, j, name) := flags[j + 1] if flags[j] == name

# The path of the j-th element of command followed by args.
flag_path(c, i, j) := sprintf("spec.containers[%d].command[%d]", [i, j]) if {
	j < count(object.get(c, "command", []))
} else := sprintf("spec.containers[%d].args[%d]", [i, j - count(object.get(c, "command", []))])
