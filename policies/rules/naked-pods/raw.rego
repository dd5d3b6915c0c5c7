package armo_builtins

import rego.v1

# A Pod with no owner (no ReplicaSet, StatefulSet, DaemonSet, Job... in
# metadata.ownerReferences) is not recreated when its node fails or it is
# evicted, and cannot be rolled out or scaled. Mirror pods of static pods are
# owned by their Node and pass.

deny contains msga if {
	pod := input[_]
	pod.kind == "Pod"
	not has_owner(pod)

	msga := {
		"alertMessage": sprintf("Pod %v has no owner (no controller such as a Deployment, StatefulSet, DaemonSet or Job manages it)", [object.get(pod, ["metadata", "name"], "")]),
		"packagename": "armo_builtins",
		"alertScore": 3,
		"failedPaths": [],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [pod]},
	}
}

has_owner(pod) if {
	count(pod.metadata.ownerReferences) > 0
}
