package armo_builtins

import rego.v1

# C-0078: every image, in its normalised Docker form (nginx is
# docker.io/library/nginx), must come from an entry of
# imageRepositoryAllowList. An empty list allows nothing.

deny contains msga if {
	wl := input[_]
	spec_path := pod_spec_path(wl)
	some i, container in object.get(wl, split(spec_path, "."), {}).containers
	image := container.image
	image != ""
	not allowed(image)

	path := sprintf("%s.containers[%d].image", [spec_path, i])
	msga := {
		"alertMessage": sprintf("%s '%s': container '%s' uses image '%s' (%s), which is not from an allowed registry", [wl.kind, object.get(wl, ["metadata", "name"], ""), object.get(container, "name", ""), image, normalized_image(image)]),
		"packagename": "armo_builtins",
		"alertScore": 2,
		"reviewPaths": [path],
		"failedPaths": [path],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [wl]},
	}
}

# docker.io/library/nginx is also known as docker.io/nginx; an entry may name
# the image either way.
allowed(image) if {
	some entry in data.postureControlInputs.imageRepositoryAllowList
	some name in {normalized_image(image), short_docker_name(normalized_image(image))}
	entry_covers(entry, name)
}

# An entry covers a name only at a component boundary, so "gcr.io/team"
# does not allow "gcr.io/team-evil/app", and a registry host such as
# "gcr.io" does not allow the different registry "gcr.io:5000".
entry_covers(entry, name) if {
	endswith(entry, "/")
	startswith(name, entry)
}

entry_covers(entry, name) if startswith(name, concat("", [entry, "/"]))

entry_covers(entry, name) if {
	contains(entry, "/")
	some separator in [":", "@"]
	startswith(name, concat("", [entry, separator]))
}

entry_covers(entry, name) if name == entry

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
