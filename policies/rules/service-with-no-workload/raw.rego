package armo_builtins

import rego.v1

# A Service whose selector matches no pod template in its namespace has no
# endpoints: clients get connection errors, and any pod later created with
# those labels (by anyone who may create pods there) receives the traffic.
# Services without a selector (manually managed endpoints) and ExternalName
# Services are not concerned.
deny contains msga if {
	# Built once, before the Services are visited: for each key set of the
	# Service selectors, the [namespace, labels restricted to those keys] of
	# every workload whose pod labels have all of the keys.
	keysets := {object.keys(svc.spec.selector) |
		some svc in input
		svc.kind == "Service"
		is_object(svc.spec.selector)
	}
	covered := {[namespace_of(wl), selector] |
		some wl in input
		labels := pod_labels(wl)
		some keys in keysets
		selector := object.filter(labels, keys)
		count(selector) == count(keys)
	}

	some svc in input
	svc.kind == "Service"
	object.get(svc.spec, "type", "ClusterIP") != "ExternalName"
	selector := object.get(svc.spec, "selector", {})
	count(selector) > 0
	ns := namespace_of(svc)
	not selects_some_workload(covered, input, selector, ns)

	msga := {
		"alertMessage": sprintf("Service '%v' selector matches no workloads in namespace '%v'", [svc.metadata.name, ns]),
		"packagename": "armo_builtins",
		"alertScore": 3,
		"failedPaths": ["spec.selector"],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [svc]},
	}
}

# Some pod template of the namespace has every label of the selector.
selects_some_workload(covered, _, selector, ns) if [ns, selector] in covered

# (A selector that is not an object is compared the long way.)
selects_some_workload(_, objs, selector, ns) if {
	not is_object(selector)
	some wl in objs
	labels := pod_labels(wl)
	namespace_of(wl) == ns
	not labels_differ(selector, labels)
}

labels_differ(wanted, labels) if {
	some key, value in wanted
	not labels[key] == value
}

namespace_of(obj) := object.get(obj.metadata, "namespace", "default")

# The labels the workload's pods get.
pod_labels(wl) := object.get(wl.metadata, "labels", {}) if wl.kind == "Pod"

pod_labels(wl) := object.get(wl, ["spec", "template", "metadata", "labels"], {}) if {
	wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "ReplicationController"}
}

pod_labels(wl) := object.get(wl, ["spec", "jobTemplate", "spec", "template", "metadata", "labels"], {}) if {
	wl.kind == "CronJob"
}
