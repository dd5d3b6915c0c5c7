package armo_builtins

import rego.v1

# Legacy form of C-0001 (Kubescape up to v2.3.8): no image may come from an
# entry of untrustedRegistries or publicRegistries.

deny contains msga if {
	wl := input[_]
	spec_path := pod_spec_path(wl)
	some i, container in object.get(wl, split(spec_path, "."), {}).containers
	image := container.image
	blocked(image)

	path := sprintf("%s.containers[%d].image", [spec_path, i])
	msga := {
		"alertMessage": sprintf("%s '%s': container '%s' uses image '%s' from a forbidden registry", [wl.kind, object.get(wl, ["metadata", "name"], ""), object.get(container, "name", ""), image]),
		"packagename": "armo_builtins",
		"alertScore": 2,
		"reviewPaths": [path],
		"failedPaths": [path],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [wl]},
	}
}

blocked(image) if {
	some entry in array.concat(object.get(data.postureControlInputs, "untrustedRegistries", []), object.get(data.postureControlInputs, "publicRegistries", []))
	regex.match(entry_pattern(entry), hub_wrapped(image))
}

# Images without a '/' are Docker Hub images.
hub_wrapped(image) := concat("/", ["docker.io", image]) if not contains(image, "/")

hub_wrapped(image) := image if contains(image, "/")

# Entries are regular expressions matched at the start of the image and
# followed by a '/' (unless the entry already ends with one).
entry_pattern(entry) := concat("", ["^", entry, ".*$"]) if endswith(entry, "/")

entry_pattern(entry) := concat("", ["^", entry, "/.*$"]) if not endswith(entry, "/")

pod_spec_path(wl) := "spec" if wl.kind == "Pod"

pod_spec_path(wl) := "spec.template.spec" if wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}

pod_spec_path(wl) := "spec.jobTemplate.spec.template.spec" if wl.kind == "CronJob"
