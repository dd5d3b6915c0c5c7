package armo_builtins

import rego.v1

# readOnlyRootFilesystem exists only at container level and defaults to false,
# so anything other than an explicit true leaves the root filesystem writable.
# Covered: containers and initContainers of Pods and of the pod templates of
# Deployment, ReplicaSet, DaemonSet, StatefulSet, Job and CronJob, plus the
# ephemeralContainers of Pods (reported without a fix: ephemeral containers
# cannot be edited once added).

deny contains msga if {
	obj := input[_]
	pod := pod_spec(obj)
	some family in container_families(obj.kind)
	some i, container in object.get(pod.spec, family, [])
	not container.securityContext.readOnlyRootFilesystem == true

	msga := {
		"alertMessage": sprintf("%v %v: container %v has a writable root filesystem (securityContext.readOnlyRootFilesystem is not true)", [obj.kind, object_name(obj), object.get(container, "name", "")]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [],
		"fixPaths": read_only_fix(pod.path, family, i),
		"alertObject": {"k8sApiObjects": [obj]},
	}
}

container_families("Pod") := ["containers", "initContainers", "ephemeralContainers"]

container_families(kind) := ["containers", "initContainers"] if kind != "Pod"

read_only_fix(_, "ephemeralContainers", _) := []

read_only_fix(path, family, i) := [{"path": sprintf("%s.%s[%d].securityContext.readOnlyRootFilesystem", [path, family, i]), "value": "true"}] if {
	family != "ephemeralContainers"
}

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
