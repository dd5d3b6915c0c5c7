package armo_builtins

import rego.v1

# C-0001: no image, in its normalised Docker form (nginx is
# docker.io/library/nginx), may start with an entry of untrustedRegistries or
# publicRegistries.

deny contains msga if {
	wl := input[_]
	spec_path := pod_spec_path(wl)
	some i, container in object.get(wl, split(spec_path, "."), {}).containers
	image := container.image
	image != ""
	blocked(image)

	path := sprintf("%s.containers[%d].image", [spec_path, i])
	msga := {
		"alertMessage": sprintf("%s '%s': container '%s' uses image '%s' (%s) from a forbidden registry", [wl.kind, object.get(wl, ["metadata", "name"], ""), object.get(container, "name", ""), image, normalized_image(image)]),
		"packagename": "armo_builtins",
		"alertScore": 2,
		"reviewPaths": [path],
		"failedPaths": [path],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [wl]},
	}
}

# A plain prefix match: for a block list, erring towards a match is the safe
# side. docker.io/library/nginx is also known as docker.io/nginx.
blocked(image) if {
	some entry in array.concat(object.get(data.postureControlInputs, "untrustedRegistries", []), object.get(data.postureControlInputs, "publicRegistries", []))
	some name in {normalized_image(image), short_docker_name(normalized_image(image))}
	startswith(name, entry)
}

# ---- Docker reference normalisation (as distribution/reference does it) ----

# A first component that contains '.' or ':', is 'localhost' or has
# upper-case letters names a registry; otherwise the image is on Docker Hub,
# where single-component names live under library/.
normalized_image(image) := concat("/", [domain, library_prefixed(domain, remainder)]) if {
	parts := split_domain(image)
	domain := canonical_domain(parts[0])
	remainder := parts[1]
}

split_domain(image) := ["docker.io", image] if not contains(image, "/")

split_domain(image) := [first, substring(image, count(first) + 1, -1)] if {
	contains(image, "/")
	first := split(image, "/")[0]
	registry_host(first)
}

split_domain(image) := ["docker.io", image] if {
	contains(image, "/")
	not registry_host(split(image, "/")[0])
}

registry_host(component) if contains(component, ".")

registry_host(component) if contains(component, ":")

registry_host("localhost")

registry_host(component) if lower(component) != component

canonical_domain("index.docker.io") := "docker.io"

canonical_domain(domain) := domain if domain != "index.docker.io"

library_prefixed("docker.io", remainder) := concat("/", ["library", remainder]) if not contains(remainder, "/")

library_prefixed(domain, remainder) := remainder if domain != "docker.io"

library_prefixed(_, remainder) := remainder if contains(remainder, "/")

# docker.io/library/nginx is also known as docker.io/nginx.
short_docker_name(name) := concat("", ["docker.io/", substring(name, count("docker.io/library/"), -1)]) if startswith(name, "docker.io/library/")

short_docker_name(name) := name if not startswith(name, "docker.io/library/")

pod_spec_path(wl) := "spec" if wl.kind == "Pod"

pod_spec_path(wl) := "spec.template.spec" if wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}

pod_spec_path(wl) := "spec.jobTemplate.spec.template.spec" if wl.kind == "CronJob"
