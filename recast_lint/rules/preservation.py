"""RL7xx: preservation and security (images, tags, resources, credentials).

How packtivity turns an environment into `docker run` (``../shared/reference/runtime-semantics.md``
B.6, C.6 and E S5–S10), and what must never be committed (C2).
"""

from __future__ import annotations

import functools
import re
from typing import Any, Iterable, Iterator, List, Optional, Tuple

from recast_lint import fix
from recast_lint.diagnostics import Severity, Span
from recast_lint.fix import Applicability, Fix
from recast_lint.lazyre import LazyPattern
from recast_lint.load import Document, Pointer
from recast_lint.model import Analysis, Loc, Step
from recast_lint.rules.registry import Finding, closest, did_you_mean, rule, single_close_match

UNPINNED_IMAGETAGS = ("latest", "master")
STRING_RESOURCES = ("CVMFS", "GRIDProxy", "KRB5Auth")
# dictionary resources REANA's job controller reads (C.6); `kerberos` is also packtivity's
RESOURCE_KEYS = (
    "kerberos",
    "compute_backend",
    "kubernetes_uid",
    "kubernetes_memory_limit",
    "kubernetes_job_timeout",
    "unpacked_img",
    "voms_proxy",
    "rucio",
)
RESOURCE_KEY_PREFIXES = ("htcondor_", "slurm_", "c4p_")

GITLAB_TOKEN = re.compile(r"glpat-[0-9A-Za-z_\-]{20,}")
# the whole block when its END line is there: no output may show any line of the key
PRIVATE_KEY = LazyPattern(r"-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----(?:[\s\S]{0,16384}?-----END \1-----)?")
SECRET_WORDS = {"password", "passwd", "pwd", "secret", "token", "apikey"}
_SECRET_STEMS = ("pass", "pwd", "secret", "token", "apikey")  # every secret word holds one, `passwd` and `password` too
VARIABLE_REFERENCE = LazyPattern(r"\$\{?[A-Za-z_]")
WHOLE_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
PASSWORD_SCRIPT = "getkrb.sh"
# Docker's reference grammar (distribution/reference, which `docker pull` and `docker run` parse):
# path components of lowercase letters and digits joined by '.', '_', '__' or a run of '-', after
# an optional registry `host[:port]/`; a tag of up to 128 word characters, '.' and '-'
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
REGISTRY_HOST = LazyPattern(rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[0-9A-Fa-f:]+\])(?::[0-9]+)?")
REPOSITORY_PATH = re.compile(rf"{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*")
IMAGE_TAG = re.compile(r"\w[\w.-]{0,127}")
# one shell word as it stands in YAML text: quoted ('' is a quote inside a YAML single-quoted scalar,
# \" inside a double-quoted one), or bare; the group holds the word without its quotes
_WORD = r"""(?:''(?P<{0}1>[^'\n]*)''|'(?P<{0}2>[^'\n]*)'|\\"(?P<{0}3>[^"\\\n]*)\\"|"(?P<{0}4>[^"\\\n]*)"|(?P<{0}5>[^\s'"|;&)\\]+))"""
AUTH_SETUP = LazyPattern(r"\brecast\s+auth\s+setup\b")
AUTH_ANSWER = LazyPattern(r"[ \t]+(?:-a|--answer)(?:[ \t]+|=)" + _WORD.format("a"))
# `recast auth setup` answers: username, password, GitLab token, registry
AUTH_SECRET_ANSWERS = {1: "the CERN password", 2: "the GitLab token"}
KINIT_PIPED = LazyPattern(
    r"\b(?:echo|printf)(?:[ \t]+-[A-Za-z]+)*(?:[ \t]+(?:'%s[^'\n]*'|\"%s[^\"\n]*\"))?[ \t]+" + _WORD.format("p") + r"[ \t]*\|[ \t]*kinit\b"
)
KINIT_HERE_STRING = LazyPattern(r"\bkinit\b[^\n|;&]*?<<<[ \t]*" + _WORD.format("h"))


def _docker_environments(analysis: Analysis) -> Iterator[Tuple[Step, Loc]]:
    for step in analysis.steps:
        environment = step.part("environment")
        if environment is not None and environment.get("environment_type") == "docker-encapsulated":
            yield step, environment


def _image(environment: Loc) -> Optional[str]:
    """The `image` when it is a plain reference the linter can read (no placeholder or variable)."""
    image = environment.get("image")
    if not isinstance(image, str) or not image.strip() or "{" in image or "$" in image:
        return None
    return image


def _split_image(image: str) -> Tuple[str, Optional[str], Optional[str]]:
    """(repository, tag, digest): a `:` counts as a tag only after the last `/` (not a registry port)."""
    repository, _, digest = image.partition("@")
    head, slash, last = repository.rpartition("/")
    name, colon, tag = last.partition(":")
    return head + slash + name, (tag if colon else None), (digest or None)


# -- images -------------------------------------------------------------------------------------


@rule("RL701", "image-with-tag", Severity.ERROR, "`image` carries a tag or digest", fix=Applicability.SAFE)
def image_with_tag(analysis: Analysis) -> Iterable[Finding]:
    """Catches an `image` that already contains a `:tag` or an `@sha256:` digest.

    Why: packtivity builds the reference as `image + ':' + imagetag`, and `imagetag` defaults to
    `latest`, so `atlas/analysisbase:21.2.125` becomes `atlas/analysisbase:21.2.125:latest`, an
    invalid reference: `docker pull` fails before the step starts (reana-client also rejects it:
    "has invalid tag").

    Bad:

        image: atlas/analysisbase:21.2.125

    Fixed:

        image: atlas/analysisbase
        imagetag: '21.2.125'

    `--fix` does this when there is no `imagetag`, or takes the tag off `image` when `imagetag`
    says the same; when they differ, which tag was meant is unknown and only the hint is given.
    """
    for _, environment in _docker_environments(analysis):
        image = _image(environment)
        if image is None:
            continue
        repository, tag, digest = _split_image(image)
        if tag is None and digest is None:
            continue
        imagetag = environment.get("imagetag")
        shown = f"{repository}@{digest[:19]}..." if digest and len(digest) > 22 else image
        pulled = f"{shown}:{imagetag if isinstance(imagetag, str) else 'latest'}"
        hint = f"write `image: {repository}` and `imagetag: '{tag}'`" if tag and not digest else (
            f"packtivity cannot pull by digest; write `image: {repository}` and the tag as `imagetag`"
        )
        yield Finding.at(
            environment.child("image"),
            f"image {shown!r} already has a {'digest' if digest else 'tag'}; the runtime pulls {pulled!r}, an invalid reference",
            hint,
            fix=_split_tag(environment, image, tag) if tag and not digest else None,
        )


def _split_tag(environment: Loc, image: str, tag: str) -> Optional[Fix]:
    """`image: name:tag` to `image: name` plus `imagetag: 'tag'`, or the tag only taken off `image`
    when `imagetag` already says the same (safe: the reference pulled now is invalid). When
    `imagetag` says another tag, which one was meant is unknown: no fix."""
    imagetag = environment.get("imagetag")
    untagged = fix.replace_at(environment.child("image"), len(image) - len(tag) - 1, ":" + tag, "")
    if environment.has("imagetag"):
        if str(imagetag) != tag:
            return None
        return fix.make(f"remove ':{tag}' from `image`; `imagetag` says it", [untagged])
    added = fix.add_entry(environment.child("image"), "imagetag", fix.quoted(tag))
    return fix.make(f"move ':{tag}' from `image` to `imagetag: '{tag}'`", [untagged, added])


@rule("RL702", "imagetag-unpinned", Severity.WARNING, "`imagetag` is missing, `latest` or `master`")
def imagetag_unpinned(analysis: Analysis) -> Iterable[Finding]:
    """Catches a Docker environment without `imagetag`, or with `latest` or `master`.

    Why: `imagetag` defaults to `latest`; a moving tag gives a different image tomorrow, so the
    preserved analysis does not reproduce (reana-client warns about the same).

    Bad:

        image: busybox

    Fixed:

        image: busybox
        imagetag: '1.36.1'
    """
    for _, environment in _docker_environments(analysis):
        image = _image(environment)
        if image is None or _split_image(image)[1:] != (None, None):
            continue  # a tag inside `image` is RL701
        imagetag = environment.get("imagetag")
        if "imagetag" not in (environment.value or {}):
            yield Finding.at(
                environment.child("image"),
                f"no `imagetag`: the runtime pulls '{image}:latest', which changes over time",
                "pin a version, e.g. `imagetag: '<version>'`",
            )
        elif isinstance(imagetag, str) and imagetag.strip().lower() in UNPINNED_IMAGETAGS:
            yield Finding.at(
                environment.child("imagetag"),
                f"`imagetag: {imagetag}` moves over time, so the analysis will not reproduce",
                "pin a version or a release tag",
            )


def _registry_and_path(repository: str) -> Tuple[str, str]:
    """(registry host, path) of a repository name, as docker splits it: the first component is a
    registry only when it holds a '.' or a ':' or is `localhost` (docker also takes one with capitals
    for a host, which then does not resolve: `Atlas/x` is meant as Docker Hub's `atlas/x`)."""
    host, slash, path = repository.partition("/")
    # a first component that is no valid host name is read as part of the path (`my_reg.io/x`)
    if slash and ("." in host or ":" in host or host == "localhost") and REGISTRY_HOST.fullmatch(host):
        return host, path
    return "", repository


def _reference_problem(image: str) -> Optional[Tuple[str, str, Optional[str]]]:
    """(message, hint, the valid name when there is exactly one) when ``image`` (without tag) is not
    a repository name docker accepts."""
    repository = _split_image(image)[0]
    host, path = _registry_and_path(repository)
    if image.startswith("-"):
        return (f"image {image!r} starts with '-', so docker reads it as an option, not an image",
                "write the image's repository name, e.g. `atlas/analysisbase`", None)
    if re.search(r"\s", image) or (path != path.lower() and REPOSITORY_PATH.fullmatch(path.lower())):
        valid = image.strip().replace(path, path.lower()).replace(" ", "")
        return (f"image {image!r} is not a valid Docker reference (repository names are lowercase, without spaces)", f"write '{valid}'", valid)
    if not REPOSITORY_PATH.fullmatch(path):
        return (f"image {image!r} is not a valid Docker reference: `docker pull` fails with 'invalid reference format'",
                "a repository name is lowercase letters and digits in components separated by '/', joined inside a "
                "component by '.', '_', '__' or '-', after an optional registry `host[:port]/`", None)
    return None


@rule("RL703", "image-name-invalid", Severity.ERROR, "`image` or `imagetag` is not a valid Docker reference", fix=Applicability.SAFE)
def image_name_invalid(analysis: Analysis) -> Iterable[Finding]:
    """Catches an `image` that is not a Docker repository name (uppercase letters or whitespace in
    its path, a leading `-`, a character or separator Docker does not allow),
    and an `imagetag` that is not a Docker tag (up to 128 letters, digits, `_`, `.` and `-`, not
    starting with `.` or `-`).

    Why: packtivity pulls and runs `image:imagetag`. The Docker CLI parses that reference before it
    asks the daemon: `docker pull -- atlas/AnalysisBase` fails with "invalid reference format:
    repository name (atlas/AnalysisBase) must be lowercase", `docker pull -- 'a..b'` and a tag with
    a space with "invalid reference format" (verified with Docker 28.2). An image that starts with
    `-` is worse: put before the arguments, as `docker pull --all-tags` or `docker run -v/:/host`,
    it is an option, and pulls every tag or mounts the host (recast-lint's runner puts `--`
    before it). Only the registry host may have capitals; docker reads a first component with
    capitals (`Atlas/analysisbase`) as a registry host, which does not resolve.

    Bad:

        image: atlas/AnalysisBase
        imagetag: 21.2.125 beta

    Fixed:

        image: atlas/analysisbase
        imagetag: '21.2.125'
    """
    for _, environment in _docker_environments(analysis):
        image = _image(environment)
        if image is not None:
            problem = _reference_problem(image)
            if problem is not None:
                message, hint, valid = problem
                # safe: `docker pull` refuses what is written, and a registry's names are lowercase
                repair = fix.make(hint, [fix.replace_text(environment.child("image"), image, valid)]) if valid and "\t" not in image else None
                yield Finding.at(environment.child("image"), message, hint, fix=repair)
        imagetag = environment.get("imagetag")
        if isinstance(imagetag, str) and "{" not in imagetag and "$" not in imagetag and not IMAGE_TAG.fullmatch(imagetag):
            yield Finding.at(
                environment.child("imagetag"),
                f"imagetag {imagetag!r} is not a valid Docker tag, so the reference the runtime pulls is invalid",
                "a tag is up to 128 letters, digits, '_', '.' or '-', and does not start with '.' or '-'",
            )


# -- resources and environment ------------------------------------------------------------------


def _known_resource_key(key: Any) -> bool:
    return key in RESOURCE_KEYS or isinstance(key, str) and key.startswith(RESOURCE_KEY_PREFIXES)


def _case_insensitive_guess(word: str, choices: Iterable[str], single: bool = False) -> Optional[str]:
    options = list(choices)
    lowered = [c.lower() for c in options]
    guess = single_close_match(word.lower(), lowered) if single else closest(word.lower(), lowered)
    return next((c for c in options if c.lower() == guess), None) if guess else None


@rule("RL704", "unknown-resource", Severity.WARNING, "a `resources` entry the runtime does not know", fix=Applicability.UNSAFE)
def unknown_resource(analysis: Analysis) -> Iterable[Finding]:
    """Catches `resources` entries other than `CVMFS`, `GRIDProxy`, `KRB5Auth` and the dictionary
    forms (`kerberos: true` and REANA's `compute_backend`, `kubernetes_*`, `voms_proxy`, `rucio`,
    `unpacked_img`, `htcondor_*`, `slurm_*`, `c4p_*`).

    Why: packtivity silently ignores resources it does not know, so a misspelt `cvmfs` runs the
    step without `/cvmfs` mounted, and it fails far from the cause.

    Bad:

        resources: [cvmfs, GridProxy]

    Fixed:

        resources: [CVMFS, GRIDProxy]
    """
    for _, environment in _docker_environments(analysis):
        resources = environment.get("resources")
        if not isinstance(resources, list):
            continue
        for index, item in enumerate(resources):
            item_loc = environment.child("resources", index)
            if isinstance(item, str) and item not in STRING_RESOURCES:
                guess = _case_insensitive_guess(item, STRING_RESOURCES + ("kerberos",))
                hint = (
                    "write `- kerberos: true`" if guess == "kerberos"
                    else f"did you mean '{guess}'? (names are case-sensitive)" if guess
                    else f"expected one of: {', '.join(STRING_RESOURCES)}, or `- kerberos: true`"
                )
                # unsafe: the step runs without the resource now; fixed, it gets /cvmfs, a proxy or a ticket
                rename = fix.make(f"change '{item}' to '{guess}'", [fix.replace_text(item_loc, item, guess)], safe=False) if (
                    guess and guess != "kerberos" and _case_insensitive_guess(item, STRING_RESOURCES, single=True)
                ) else None
                yield Finding.at(item_loc, f"unknown resource {item!r} is silently ignored", hint, fix=rename)
            elif isinstance(item, dict):
                for key in item:
                    if not _known_resource_key(key):
                        yield Finding.at(
                            item_loc.child(key),
                            f"unknown resource key {key!r} is silently ignored",
                            did_you_mean(key, RESOURCE_KEYS),
                            key=True,
                        )


@rule("RL705", "environment-env-ignored", Severity.WARNING, "`environment.env` is never set")
def environment_env_ignored(analysis: Analysis) -> Iterable[Finding]:
    """Catches a non-empty `env:` in a Docker environment.

    Why: the Docker executor passes no variables from `env` to the container (only
    `KRB_SETUP_SCRIPT`), and REANA ignores it too; the step runs without them.

    Bad:

        environment:
          environment_type: docker-encapsulated
          image: atlas/analysisbase
          imagetag: '21.2.125'
          env: {ROOT_OPTS: -b}

    Fixed: set the variable in the command (`export ROOT_OPTS=-b && ...`) or in the image.
    """
    for _, environment in _docker_environments(analysis):
        if isinstance(environment.get("env"), dict) and environment.get("env"):
            yield Finding.at(
                environment.child("env"),
                "`env` is ignored by the Docker executor and by REANA; these variables are never set",
                "export them at the start of `cmd`/`script`, or set them in the image",
                key=True,
            )


@rule("RL706", "localproc-script", Severity.ERROR, "`localproc-env` cannot run `interpolated-script-cmd`")
def localproc_script(analysis: Analysis) -> Iterable[Finding]:
    """Catches a step that combines `environment_type: localproc-env` with
    `process_type: interpolated-script-cmd`.

    Why: the local-process executor only knows commands; for a script it fails with
    `KeyError: 'command'` when the step runs.

    Bad:

        process: {process_type: interpolated-script-cmd, script: 'echo {x}'}
        environment: {environment_type: localproc-env}

    Fixed: use `process_type: string-interpolated-cmd` with `cmd:`, or a `docker-encapsulated`
    environment.
    """
    for step in analysis.steps:
        process, environment = step.part("process"), step.part("environment")
        if process is None or environment is None:
            continue
        if process.get("process_type") == "interpolated-script-cmd" and environment.get("environment_type") == "localproc-env":
            yield Finding.at(
                process.child("process_type"),
                "`interpolated-script-cmd` under `localproc-env` fails with KeyError 'command'",
                "use `string-interpolated-cmd` with `cmd:`, or a `docker-encapsulated` environment",
            )


@rule("RL707", "manual-instructions-pub", Severity.ERROR, "`manual-instructions-pub` has no runtime handler")
def manual_instructions_pub(analysis: Analysis) -> Iterable[Finding]:
    """Catches `publisher_type: manual-instructions-pub`.

    Why: the schema accepts it, but packtivity has no handler for it: the step fails with a
    `KeyError` when it publishes.

    Bad:

        publisher: {publisher_type: manual-instructions-pub, instructions: 'copy the plots'}

    Fixed:

        publisher: {publisher_type: fromglob-pub, outputkey: plots, globexpression: '*.pdf'}
    """
    for step in analysis.steps:
        publisher = step.part("publisher")
        if publisher is not None and publisher.get("publisher_type") == "manual-instructions-pub":
            yield Finding.at(
                publisher.child("publisher_type"),
                "`manual-instructions-pub` has no runtime handler; the step fails when it publishes",
                "publish with `frompar-pub`, `interpolated-pub` or `fromglob-pub`",
            )


# -- credentials --------------------------------------------------------------------------------


def _linted(analysis: Analysis) -> List[Document]:
    return [doc for doc in analysis.documents.values() if doc.text]


@rule("RL710", "committed-gitlab-token", Severity.ERROR, "a GitLab access token is committed", finds_secrets=True)
def committed_gitlab_token(analysis: Analysis) -> Iterable[Finding]:
    """Catches a GitLab personal, project or group access token (`glpat-...`) anywhere in a linted
    file, comments included.

    Why: anyone who can read the repository (or its history, or a fork) can use the token; the
    analysis runs just as well with the token in a masked CI variable.

    Bad:

        export YADAGE_SCHEMA_LOAD_TOKEN=glpat-...     # in a script or a comment

    Fixed: put the token in a masked CI/CD variable, read it as `$YADAGE_SCHEMA_LOAD_TOKEN`, and
    revoke the committed one.
    """
    for doc in _linted(analysis):
        for match in GITLAB_TOKEN.finditer(doc.text):
            yield Finding(
                doc,
                doc.text_span(match.start(), match.end()),
                "a GitLab access token (glpat-****) is committed in this file",
                "revoke it in GitLab, remove it, and read it from a masked CI variable instead",
                sensitive=True,
            )


def _key_words(key: str) -> List[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", key)
    return [word.lower() for word in re.split(r"[^A-Za-z0-9]+", spaced) if word]


@functools.lru_cache(maxsize=4096)  # asked for every key of every file; most keys are the same few words
def _holds_secret(key: Any) -> bool:
    """A key whose last word names a secret (`db_password`, `YADAGE_SCHEMA_LOAD_TOKEN`, `RECAST_PASS`), not
    one that describes it (`token_file`, `secret_name`); a bare `pass` only in an environment-variable name."""
    words = _key_words(key) if isinstance(key, str) else []
    return bool(words) and (words[-1] in SECRET_WORDS or (words[-1] == "pass" and key.isupper()))


def _literal_secret(value: Any) -> bool:
    """A written-out secret (text or a number), not a reference to one (`$VAR`, `${VAR}`, a `{placeholder}`) and not empty."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return True
    if not isinstance(value, str) or not value.strip():
        return False
    text = value.strip()
    return not (VARIABLE_REFERENCE.search(text) or WHOLE_PLACEHOLDER.fullmatch(text) or GITLAB_TOKEN.search(text))


def _may_name_secret(text: str) -> bool:
    """False for a text no secret-like key can be read from: none of the words in it, in any case, and
    no backslash that could escape a letter of one (most files, whose data then need no walk)."""
    lowered = text.lower()
    return "\\" in text or any(stem in lowered for stem in _SECRET_STEMS)


def _secret_values(data: Any, pointer: Pointer = ()) -> Iterator[Tuple[Pointer, str]]:
    """(pointer, key) of every literal value under a password/token/secret-like key."""
    if isinstance(data, dict):
        for key, value in data.items():
            if _holds_secret(key):
                if _literal_secret(value):
                    yield pointer + (key,), key
                elif isinstance(value, dict) and _literal_secret(value.get("value")):  # GitLab CI `VAR: {value: ...}`
                    yield pointer + (key, "value"), key
            else:
                yield from _secret_values(value, pointer + (key,))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from _secret_values(item, pointer + (index,))


@rule("RL711", "committed-password", Severity.ERROR, "a password, token or secret is written out", finds_secrets=True)
def committed_password(analysis: Analysis) -> Iterable[Finding]:
    """Catches a literal value under a key such as `password`, `RECAST_AUTH_PASSWORD`, `token`,
    `YADAGE_SCHEMA_LOAD_TOKEN` or `secret`; references such as `$VAR`, `${VAR}` and
    `{placeholder}` and empty values are fine.

    Why: a committed password is readable by everyone with access to the repository, its forks and
    its history, forever; RECAST reads credentials from the environment (`recast auth setup`).

    Bad:

        variables:
          RECAST_AUTH_PASSWORD: hunter2

    Fixed: define `RECAST_AUTH_PASSWORD` as a masked CI/CD variable, delete the line, and change
    the password.
    """
    for doc in _linted(analysis):
        if not doc.ok or not _may_name_secret(doc.text):
            continue
        for pointer, key in _secret_values(doc.data):
            yield Finding.at(
                Loc(doc, pointer),
                f"{key!r} holds a literal value; a credential is committed here",
                "read it from the environment or a masked CI variable (e.g. `$" + key.upper() + "`), and change it",
                sensitive=True,
            )


@rule("RL712", "committed-private-key", Severity.ERROR, "a private key is committed", finds_secrets=True)
def committed_private_key(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `-----BEGIN ... PRIVATE KEY-----` block in a linted file.

    Why: a private key in a repository is public; grid certificates and SSH keys belong in masked
    CI variables or the runner's credential store.

    Fixed: remove the key, revoke it, and provide it to the job as a masked file variable.
    """
    for doc in _linted(analysis):
        for match in PRIVATE_KEY.finditer(doc.text) if "PRIVATE KEY" in doc.text else ():  # the pattern spells it out
            yield Finding(
                doc,
                doc.text_span(match.start(), match.end()),
                "a private key is committed in this file",
                "remove it, revoke it, and pass it to the job as a masked CI file variable",
                sensitive=True,
            )


def _word(match: re.Match, prefix: str) -> Tuple[int, int]:
    """Where the word (without its quotes) of group ``prefix`` stands in the text."""
    group = next(f"{prefix}{n}" for n in range(1, 6) if match.group(f"{prefix}{n}") is not None)
    return match.span(group)


def _written_out(word: str) -> bool:
    """A credential written in the command, not read from a variable (`$RECAST_PASS`) or filled in (`{password}`)."""
    return bool(word) and "$" not in word and not WHOLE_PLACEHOLDER.fullmatch(word) and word not in ("default", "none")


def _command_credentials(text: str) -> Iterator[Tuple[int, int, str]]:
    """(start, end, what) of every password or token written out in a `recast auth setup` or `kinit` command."""
    # each pattern spells out `setup` or `kinit`: a text without the word is not scanned by them (a
    # generated workflow's files are megabytes, and a pattern that starts with a word boundary tries every position)
    for setup in AUTH_SETUP.finditer(text) if "setup" in text else ():
        position, index = setup.end(), 0
        while True:
            answer = AUTH_ANSWER.match(text, position)
            if answer is None:
                break
            start, end = _word(answer, "a")
            if index in AUTH_SECRET_ANSWERS and _written_out(text[start:end]) and not GITLAB_TOKEN.fullmatch(text[start:end]):
                yield start, end, f"{AUTH_SECRET_ANSWERS[index]} (answer {index + 1} of `recast auth setup`)"
            position, index = answer.end(), index + 1
    for pattern, prefix in ((KINIT_PIPED, "p"), (KINIT_HERE_STRING, "h")) if "kinit" in text else ():
        for match in pattern.finditer(text):
            start, end = _word(match, prefix)
            if _written_out(text[start:end]):
                yield start, end, "the password given to `kinit`"


@rule("RL714", "credential-in-command", Severity.ERROR, "a password or token is written out in `recast auth setup` or `kinit`", finds_secrets=True)
def credential_in_command(analysis: Analysis) -> Iterable[Finding]:
    """Catches a password or token written out, instead of read from a variable, in a command: the
    second and third answers of `recast auth setup -a USER -a PASSWORD -a TOKEN -a REGISTRY`, or a
    password piped into `kinit` (`echo 'PASSWORD' | kinit USER@CERN.CH`, `kinit USER <<< PASSWORD`),
    in any linted file, in a script, a CI job or a comment. A GitLab token there is RL710.

    Why: `recast auth setup` only prints `export` lines from its answers and `recast auth write`
    puts the password into `getkrb.sh`; written in the CI file or a step's script, the password is
    readable by everyone with access to the repository, its forks and its history, forever.

    Bad:

        script:
          - eval "$(recast auth setup -a jdoe -a 'S3cr3t!pw' -a $RECAST_TOKEN -a default)"

    Fixed: define `RECAST_USER`, `RECAST_PASS` and `RECAST_TOKEN` as masked CI/CD variables,
    change the password, and write

        script:
          - eval "$(recast auth setup -a $RECAST_USER -a $RECAST_PASS -a $RECAST_TOKEN -a default)"
    """
    for doc in _linted(analysis):
        for start, end, what in _command_credentials(doc.text):
            yield Finding(
                doc,
                doc.text_span(start, end),
                f"{what} is written out in this command; a credential is committed here",
                "read it from a masked CI variable (`$RECAST_PASS`, `$RECAST_TOKEN`), and change it",
                sensitive=True,
            )


@rule("RL713", "committed-kerberos-script", Severity.ERROR, "a `getkrb.sh` (Kerberos password script) is in the repository")
def committed_kerberos_script(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `getkrb.sh` anywhere in the repository (not git-ignored), such as the
    `authdir/getkrb.sh` that `recast auth write --basedir authdir` creates.

    Why: `recast auth write` writes the CERN password in clear into it
    (`echo PASSWORD | kinit USER@CERN.CH`). The file is not read here; its name is enough.

    Fixed: `git rm --cached authdir/getkrb.sh`, add `authdir/` to `.gitignore`, change the
    password; in CI, run `recast auth write` in the job from masked variables.
    """
    if analysis.entry is None:
        return  # loose specs: their directory may be /tmp or a home, not a repository to judge
    for path in analysis.repo_files_named(PASSWORD_SCRIPT):
        yield Finding(
            Document(path=analysis.root / path),
            Span.point(),
            f"'{path.as_posix()}' is in the repository; `recast auth write` puts the Kerberos password in it in clear",
            f"remove it from git (`git rm --cached {path.as_posix()}`), ignore it, and change the password",
        )
