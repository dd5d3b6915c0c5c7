package armo_builtins

import rego.v1

# NET_RAW is in the default capability set of container runtimes and lets a
# process craft raw packets (ARP/DNS spoofing inside the node network). A
# container passes when it drops NET_RAW (or ALL) and does not add NET_RAW
# back after dropping ALL. Runtimes upper-case capability names, so the
# comparisons are case-insensitive.
# Covered: containers of Pods and of the pod templates of Deployment,
# ReplicaSet, DaemonSet, StatefulSet, Job and CronJob.

# NET_RAW is never dropped: propose appending it to the drop list.
deny contains msga if {
	obj := input[_]
	pod := pod_spec(obj)
	some i, container in object.get(pod.spec, "containers", [])
	drop := as_list(object.get(container, ["securityContext", "capabilities", "drop"], []))
	not lists_any(drop, {"NET_RAW", "ALL"})
	fix_path := sprintf("%s.containers[%d].securityContext.capabilities.drop[%d]", [pod.path, i, count(drop)])

	msga := {
		"alertMessage": sprintf("%v %v: container %v keeps the NET_RAW capability (not in securityContext.capabilities.drop)", [obj.kind, object_name(obj), object.get(container, "name", "")]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"deletePaths": [],
		"failedPaths": [],
		"fixPaths": [{"path": fix_path, "value": "NET_RAW"}],
		"alertObject": {"k8sApiObjects": [obj]},
	}
}

# ALL is dropped but NET_RAW is added back.
deny contains msga if {
	obj := input[_]
	pod := pod_spec(obj)
	some i, container in object.get(pod.spec, "containers", [])
	lists_any(object.get(container, ["securityContext", "capabilities", "drop"], []), {"ALL"})
	lists_any(object.get(container, ["securityContext", "capabilities", "add"], []), {"NET_RAW"})
	path := sprintf("%s.containers[%d].securityContext.capabilities.add", [pod.path, i])

	msga := {
		"alertMessage": sprintf("%v %v: container %v drops ALL capabilities but adds NET_RAW back", [obj.kind, object_name(obj), object.get(container, "name", "")]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"deletePaths": [path],
		"failedPaths": [path],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [obj]},
	}
}

# lists_any(caps, names): some capability in caps is one of names, ignoring case.
lists_any(caps, names) if {
	some cap in caps
	upper(cap) in names
}

as_list(x) := x if {
	is_array(x)
} else := []

object_name(obj) := object.get(obj, ["metadata", "name"], "")

pod_spec(obj) := {"spec": object.get(obj, "spec", {}), "path": "spec"} if {
	obj.kind == "Pod"
}

pod_spec(obj) := {"spec": object.get(obj, ["spec", "template", "spec"], {}), "path": "spec.template.spec"} if {
	obj.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}
}

pod_spec(obj) := {"spec": object.get(obj, ["spec", "jobTemplate", "spec", "template", "spec"], {}), "path": "spec.jobTemplate.spec.template.spec"} if {
	obj.kind == "CronJob"
}
