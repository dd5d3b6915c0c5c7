package armo_builtins

import rego.v1

# Enumerates the workloads whose name contains a configured sensitive
# interface, each with the Services (of any type) that select its pods.
deny contains msga if {
	some wl in input
	wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "Pod", "CronJob"}
	is_sensitive_interface(wl.metadata.name)

	msga := {
		"alertMessage": sprintf("wl: %v is in the cluster", [wl.metadata.name]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [],
		"fixPaths": [],
		"alertObject": {
			"k8sApiObjects": [],
			"externalObjects": {
				"name": wl.metadata.name,
				"namespace": namespace_of(wl),
				"kind": wl.kind,
				"relatedObjects": [svc | some svc in input; service_selects(svc, wl)],
			},
		},
	}
}

is_sensitive_interface(name) if {
	some interface in data.postureControlInputs.sensitiveInterfaces
	contains(name, interface)
}

namespace_of(obj) := object.get(obj.metadata, "namespace", "default")

# The labels the workload's pods get.
pod_labels(wl) := object.get(wl.metadata, "labels", {}) if wl.kind == "Pod"

pod_labels(wl) := object.get(wl, ["spec", "template", "metadata", "labels"], {}) if {
	wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}
}

pod_labels(wl) := object.get(wl, ["spec", "jobTemplate", "spec", "template", "metadata", "labels"], {}) if {
	wl.kind == "CronJob"
}

# A Service sends traffic to the pods of its namespace whose labels include
# every pair of its (non-empty) selector.
service_selects(svc, wl) if {
	svc.kind == "Service"
	namespace_of(svc) == namespace_of(wl)
	selector := svc.spec.selector
	count(selector) > 0
	labels := pod_labels(wl)
	every key in object.keys(selector) {
		labels[key] == selector[key]
	}
}
