package armo_builtins

import rego.v1

# A workload must carry at least one label from recommendedLabels, on the
# object itself and, for controllers, on its pod template as well (the pods
# are what monitoring and policies select on).

deny contains msga if {
	wl := input[_]
	holders := label_holders(wl)
	unlabelled := [holder.prefix | some holder in holders; not has_listed_label(holder.object)]
	count(unlabelled) > 0

	msga := {
		"alertMessage": sprintf("%s '%s' has none of the recommended labels on %s", [wl.kind, object.get(wl, ["metadata", "name"], ""), concat(" and ", [describe(prefix) | some prefix in unlabelled])]),
		"packagename": "armo_builtins",
		"alertScore": 2,
		"failedPaths": [],
		"fixPaths": [{"path": sprintf("%smetadata.labels[%s]", [prefix, suggested_key(wl)]), "value": "YOUR_VALUE"} | some prefix in unlabelled],
		"alertObject": {"k8sApiObjects": [wl]},
	}
}

has_listed_label(obj) if {
	some key in data.postureControlInputs.recommendedLabels
	obj.metadata.labels[key]
}

# The label the fix proposes: the first listed one. (The argument only keeps
# this a function.)
suggested_key(_) := data.postureControlInputs.recommendedLabels[0]

suggested_key(_) := "YOUR_LABEL" if count(object.get(data.postureControlInputs, "recommendedLabels", [])) == 0

describe("") := "the object"

describe(prefix) := "its pod template" if prefix != ""

# The objects whose labels count, with the path prefix of their metadata.
label_holders(wl) := [{"prefix": "", "object": wl}] if wl.kind == "Pod"

label_holders(wl) := [
	{"prefix": "", "object": wl},
	{"prefix": "spec.template.", "object": object.get(wl, ["spec", "template"], {})},
] if wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}

label_holders(wl) := [
	{"prefix": "", "object": wl},
	{"prefix": "spec.jobTemplate.spec.template.", "object": object.get(wl, ["spec", "jobTemplate", "spec", "template"], {})},
] if wl.kind == "CronJob"
