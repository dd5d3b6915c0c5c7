package armo_builtins

import rego.v1

# Enumerates every (Pod or workload, Service selecting its pods) pair: the
# resources the SSH control is evaluated on.
deny contains msga if {
	some wl in input
	wl.kind in {"Pod", "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "CronJob"}
	some svc in input
	service_selects(svc, wl)
	path := labels_path(wl)

	msga := {
		"alertMessage": message(wl, svc),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [path],
		"fixPaths": [],
		"alertObject": {
			"k8sApiObjects": [],
			"externalObjects": {
				"name": wl.metadata.name,
				"namespace": namespace_of(wl),
				"kind": wl.kind,
				"relatedObjects": [svc],
			},
		},
	}
}

message(wl, svc) := sprintf("pod %v/%v is selected by Service %v", [namespace_of(wl), wl.metadata.name, svc.metadata.name]) if {
	wl.kind == "Pod"
}

message(wl, svc) := sprintf("%v: %v is selected by Service %v", [wl.kind, wl.metadata.name, svc.metadata.name]) if {
	wl.kind != "Pod"
}

labels_path(wl) := "metadata.labels" if wl.kind == "Pod"

labels_path(wl) := "spec.template.metadata.labels" if {
	wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}
}

labels_path(wl) := "spec.jobTemplate.spec.template.metadata.labels" if wl.kind == "CronJob"

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
