package armo_builtins

import rego.v1

# A container is hardened here when a seccomp profile is in effect for it: its
# own securityContext.seccompProfile, or else the pod's. An effective profile
# of type Unconfined is no hardening at all and is reported too. One response
# per unhardened container.
# Covered: containers and initContainers of Pods and of the pod templates of
# Deployment, ReplicaSet, DaemonSet, StatefulSet, Job and CronJob.

deny contains msga if {
	obj := input[_]
	pod := pod_spec(obj)
	some family in ["containers", "initContainers"]
	some i, container in object.get(pod.spec, family, [])
	not hardened(container, pod.spec)

	msga := {
		"alertMessage": sprintf("%v %v: container %v runs without seccomp confinement (no seccompProfile at pod or container level, or Unconfined)", [obj.kind, object_name(obj), object.get(container, "name", "")]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [],
		"fixPaths": [{"path": sprintf("%s.%s[%d].securityContext.seccompProfile", [pod.path, family, i]), "value": "YOUR_VALUE"}],
		"alertObject": {"k8sApiObjects": [obj]},
	}
}

hardened(container, spec) if {
	profile := effective_seccomp_profile(container, spec)
	not profile.type == "Unconfined"
}

# Container level wins over pod level.
effective_seccomp_profile(container, spec) := container.securityContext.seccompProfile if {
	container.securityContext.seccompProfile
} else := spec.securityContext.seccompProfile if {
	spec.securityContext.seccompProfile
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
