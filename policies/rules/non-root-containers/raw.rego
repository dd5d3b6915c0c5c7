package armo_builtins

import rego.v1

# A container may run as root unless runAsNonRoot resolves to true or runAsUser
# resolves to a non-zero UID; it runs with the root group unless runAsGroup
# resolves to a non-zero GID. Each field resolves container securityContext
# first, then the pod securityContext, as the kubelet does; an unresolved
# runAsUser/runAsGroup is treated as 0 because the image may well default to
# root. Fixes point at the level that currently decides the value.
# Covered: containers and initContainers of Pods and of the pod templates of
# Deployment, ReplicaSet, DaemonSet, StatefulSet, Job and CronJob, plus the
# ephemeralContainers of Pods (reported without a fix).

deny contains msga if {
	obj := input[_]
	pod := pod_spec(obj)
	some family in container_families(obj.kind)
	some i, container in object.get(pod.spec, family, [])
	sc_path := sprintf("%s.%s[%d].securityContext", [pod.path, family, i])
	fixes := array.concat(user_fixes(container, pod, sc_path), group_fixes(container, pod, sc_path))
	count(fixes) > 0

	msga := {
		"alertMessage": sprintf("%v %v: container %v may run as root (no runAsNonRoot: true or non-zero runAsUser, or a zero/unset runAsGroup)", [obj.kind, object_name(obj), object.get(container, "name", "")]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"reviewPaths": [],
		"failedPaths": [],
		"fixPaths": reported_fixes(family, fixes),
		"alertObject": {"k8sApiObjects": [obj]},
	}
}

# The effective value of a securityContext field and the level it comes from.
setting(container, pod, field) := {"value": value, "level": "container"} if {
	value := container.securityContext[field]
} else := {"value": pod_value, "level": "pod"} if {
	pod_value := pod.spec.securityContext[field]
}

user_fixes(container, pod, sc_path) := [] if {
	setting(container, pod, "runAsNonRoot").value == true
} else := [] if {
	setting(container, pod, "runAsUser").value != 0
} else := [user_fix(container, pod, sc_path)]

user_fix(container, pod, sc_path) := {"path": sprintf("%s.runAsUser", [sc_path]), "value": "1000"} if {
	setting(container, pod, "runAsUser").level == "container"
} else := {"path": sprintf("%s.securityContext.runAsUser", [pod.path]), "value": "1000"} if {
	setting(container, pod, "runAsUser").level == "pod"
} else := {"path": sprintf("%s.runAsNonRoot", [sc_path]), "value": "true"}

group_fixes(container, pod, sc_path) := [] if {
	setting(container, pod, "runAsGroup").value != 0
} else := [group_fix(container, pod, sc_path)]

group_fix(container, pod, sc_path) := {"path": sprintf("%s.securityContext.runAsGroup", [pod.path]), "value": "1000"} if {
	setting(container, pod, "runAsGroup").level == "pod"
} else := {"path": sprintf("%s.runAsGroup", [sc_path]), "value": "1000"}

reported_fixes("ephemeralContainers", _) := []

reported_fixes(family, fixes) := fixes if family != "ephemeralContainers"

container_families("Pod") := ["containers", "initContainers", "ephemeralContainers"]

container_families(kind) := ["containers", "initContainers"] if kind != "Pod"

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
