package armo_builtins

import rego.v1

# spec.serviceAccount is the deprecated alias of spec.serviceAccountName. The
# API server copies serviceAccountName into it, so both fields holding the
# same value is normal and passes. Reported: the alias used alone (fix: move
# the value to serviceAccountName) and the two fields disagreeing (the alias
# must go; which account was intended needs a human).
# Covered: Pods and the pod templates of Deployment, ReplicaSet, DaemonSet,
# StatefulSet, Job, ReplicationController and CronJob.

# Only the deprecated field is set.
deny contains msga if {
	obj := input[_]
	pod := pod_spec(obj)
	value := pod.spec.serviceAccount
	non_empty_string(value)
	not non_empty_string(object.get(pod.spec, "serviceAccountName", ""))
	deprecated := sprintf("%s.serviceAccount", [pod.path])

	msga := {
		"alertMessage": sprintf("%v %v: sets the deprecated field serviceAccount (%v) instead of serviceAccountName", [obj.kind, object_name(obj), value]),
		"packagename": "armo_builtins",
		"alertScore": 3,
		"failedPaths": [deprecated],
		"deletePaths": [deprecated],
		"fixPaths": [{"path": sprintf("%s.serviceAccountName", [pod.path]), "value": value}],
		"alertObject": {"k8sApiObjects": [obj]},
	}
}

# Both fields are set and disagree.
deny contains msga if {
	obj := input[_]
	pod := pod_spec(obj)
	value := pod.spec.serviceAccount
	name := pod.spec.serviceAccountName
	non_empty_string(value)
	non_empty_string(name)
	value != name
	deprecated := sprintf("%s.serviceAccount", [pod.path])

	msga := {
		"alertMessage": sprintf("%v %v: the deprecated field serviceAccount (%v) disagrees with serviceAccountName (%v); remove serviceAccount", [obj.kind, object_name(obj), value, name]),
		"packagename": "armo_builtins",
		"alertScore": 3,
		"failedPaths": [deprecated],
		"deletePaths": [deprecated],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [obj]},
	}
}

non_empty_string(s) if {
	is_string(s)
	s != ""
}

object_name(obj) := object.get(obj, ["metadata", "name"], "")

pod_spec(obj) := {"spec": object.get(obj, "spec", {}), "path": "spec"} if {
	obj.kind == "Pod"
}

pod_spec(obj) := {"spec": object.get(obj, ["spec", "template", "spec"], {}), "path": "spec.template.spec"} if {
	obj.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "ReplicationController"}
}

pod_spec(obj) := {"spec": object.get(obj, ["spec", "jobTemplate", "spec", "template", "spec"], {}), "path": "spec.jobTemplate.spec.template.spec"} if {
	obj.kind == "CronJob"
}
