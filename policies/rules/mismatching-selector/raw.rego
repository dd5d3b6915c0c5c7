package armo_builtins

import rego.v1

# A controller whose selector does not match its own pod template labels is
# rejected by the API server for apps/v1 kinds, and otherwise never sees the
# pods it creates (so it keeps creating more). The reported path is the part
# of the selector that fails: matchLabels first, then matchExpressions.
deny contains msga if {
	some wl in input
	selector := selector_of(wl)
	is_selective(selector)
	labels := template_labels(wl)
	not selector_matches(selector, labels)

	msga := {
		"alertMessage": sprintf("%v: %v selector does not match pod template labels", [wl.kind, wl.metadata.name]),
		"packagename": "armo_builtins",
		"alertScore": 3,
		"failedPaths": [failing_part(wl, selector, labels)],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [wl]},
	}
}

selector_of(wl) := object.get(wl, ["spec", "selector"], {}) if {
	wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}
}

# A ReplicationController selector is a plain label map.
selector_of(wl) := {"matchLabels": object.get(wl, ["spec", "selector"], {})} if wl.kind == "ReplicationController"

selector_of(wl) := object.get(wl, ["spec", "jobTemplate", "spec", "selector"], {}) if {
	wl.kind == "CronJob"
}

template_labels(wl) := object.get(wl, ["spec", "template", "metadata", "labels"], {}) if {
	wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "ReplicationController"}
}

template_labels(wl) := object.get(wl, ["spec", "jobTemplate", "spec", "template", "metadata", "labels"], {}) if {
	wl.kind == "CronJob"
}

is_selective(selector) if count(object.get(selector, "matchLabels", {})) > 0

is_selective(selector) if count(object.get(selector, "matchExpressions", [])) > 0

failing_part(wl, selector, labels) := path if {
	labels_differ(object.get(selector, "matchLabels", {}), labels)
	path := selector_path(wl, "matchLabels")
} else := selector_path(wl, "matchExpressions")

selector_path(wl, _) := "spec.selector" if wl.kind == "ReplicationController"

selector_path(wl, part) := concat(".", ["spec.selector", part]) if {
	wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}
}

selector_path(wl, part) := concat(".", ["spec.jobTemplate.spec.selector", part]) if wl.kind == "CronJob"

# Kubernetes LabelSelector semantics: every matchLabels pair and every
# matchExpressions requirement must hold (an empty selector matches all).
selector_matches(selector, labels) if {
	not labels_differ(object.get(selector, "matchLabels", {}), labels)
	not some_requirement_fails(object.get(selector, "matchExpressions", []), labels)
}

labels_differ(wanted, labels) if {
	some key, value in wanted
	not labels[key] == value
}

some_requirement_fails(requirements, labels) if {
	some req in requirements
	not requirement_holds(req, labels)
}

requirement_holds(req, labels) if {
	req.operator == "In"
	labels[req.key] in object.get(req, "values", [])
}

requirement_holds(req, labels) if {
	req.operator == "NotIn"
	not labels[req.key] in object.get(req, "values", [])
}

requirement_holds(req, labels) if {
	req.operator == "Exists"
	has_key(labels, req.key)
}

requirement_holds(req, labels) if {
	req.operator == "DoesNotExist"
	not has_key(labels, req.key)
}

has_key(obj, key) if {
	_ = obj[key]
}
