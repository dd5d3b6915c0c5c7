package armo_builtins

import rego.v1

# Enumerates the containers of the API server Pods, the resources this
# control is evaluated on.
deny contains msga if {
	some pod in input
	pod.kind == "Pod"
	contains(pod.metadata.name, "kube-apiserver")
	some c in pod.spec.containers

	msga := {
		"alertMessage": sprintf("The API server container: %v", [c.name]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [pod]},
	}
}
