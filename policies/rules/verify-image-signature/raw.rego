package armo_builtins

import rego.v1

# Every image must carry a cosign signature that verifies with one of the
# keys in trustedCosignPublicKeys; with no keys configured nothing verifies.
# cosign.verify is a builtin of the scanner (it fetches the signature from
# the image's registry), not of OPA; it is false when verification fails.

deny contains msga if {
	wl := input[_]
	spec_path := pod_spec_path(wl)
	some i, container in object.get(wl, split(spec_path, "."), {}).containers
	not verified(container.image)

	path := sprintf("%s.containers[%d].image", [spec_path, i])
	msga := {
		"alertMessage": sprintf("%s '%s': container '%s' uses image '%s', whose signature does not verify with any trusted key", [wl.kind, object.get(wl, ["metadata", "name"], ""), object.get(container, "name", ""), container.image]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"reviewPaths": [path],
		"failedPaths": [path],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [wl]},
	}
}

verified(image) if {
	some key in data.postureControlInputs.trustedCosignPublicKeys
	cosign.verify(image, key)
}

pod_spec_path(wl) := "spec" if wl.kind == "Pod"

pod_spec_path(wl) := "spec.template.spec" if wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}

pod_spec_path(wl) := "spec.jobTemplate.spec.template.spec" if wl.kind == "CronJob"
