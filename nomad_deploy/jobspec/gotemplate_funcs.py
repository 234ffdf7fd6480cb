"""The functions a Nomad ``template`` block's Go template may call, as data.

Where they came from:

- ``GO_BUILTINS``: Go's ``text/template`` predefined functions (``builtins()`` in
  ``text/template/funcs.go``).
- ``CONSUL_TEMPLATE``: the ``funcMap`` of consul-template v0.31.0 (``template/template.go``),
  the version Nomad 1.6.3 requires in its go.mod; it holds Nomad's own functions too
  (``nomadVar``, ``nomadService``, ...): Nomad 1.6.3's template runner
  (``client/allocrunner/taskrunner/template``) adds none of its own.
- ``SPRIG``: the keys of ``genericMap`` in github.com/Masterminds/sprig/v3 v3.2.3 (the
  version consul-template v0.31.0 requires), which consul-template offers as ``sprig_<name>``.
- ``CONSUL_TEMPLATE_NEWER``: functions later consul-template releases added, which Nomad
  releases after 1.6 ship; a job written for a newer cluster should not fail here.

A function in a client's ``function_denylist`` still parses (it fails when called).
"""

from __future__ import annotations


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


GO_BUILTINS = _names(
    "and call html index slice js len not or print printf println urlquery eq ge gt le lt ne"
)

CONSUL_TEMPLATE = _names(
    "datacenters file key keyExists keyOrDefault ls safeLs node nodes secret secrets "
    "service connect services tree safeTree caRoots caLeaf pkiCert nomadServices "
    "nomadService nomadVarList nomadVarListSafe nomadVar nomadVarExists scratch "
    "base64Decode base64Encode base64URLDecode base64URLEncode byKey byTag contains "
    "containsAll containsAny containsNone containsNotAll env mustEnv envOrDefault "
    "executeTemplate explode explodeMap mergeMap mergeMapWithOverride in indent loop "
    "join trim trimPrefix trimSuffix trimSpace parseBool parseFloat parseInt parseJSON "
    "parseUint parseYAML plugin regexReplaceAll regexMatch replaceAll sha256Hex md5sum "
    "timestamp toLower toJSON toJSONPretty toUnescapedJSON toUnescapedJSONPretty "
    "toTitle toTOML toUpper toYAML split splitToMap byMeta sockaddr writeToFile add "
    "subtract multiply divide modulo minimum maximum spew_dump spew_printf spew_sdump "
    "spew_sprintf"
)

CONSUL_TEMPLATE_NEWER = _names("exportedServices partitions peerings")

SPRIG = _names(
    "abbrev abbrevboth add add1 add1f addf adler32sum ago all any append atoi b32dec "
    "b32enc b64dec b64enc base bcrypt biggest buildCustomCert camelcase cat ceil chunk "
    "clean coalesce compact concat contains date dateInZone dateModify date_in_zone "
    "date_modify decryptAES deepCopy deepEqual default derivePassword dict dig dir div "
    "divf duration durationRound empty encryptAES env expandenv ext fail first float64 "
    "floor fromJson genCA genCAWithKey genPrivateKey genSelfSignedCert "
    "genSelfSignedCertWithKey genSignedCert genSignedCertWithKey get getHostByName has "
    "hasKey hasPrefix hasSuffix hello htmlDate htmlDateInZone htpasswd indent initial "
    "initials int int64 isAbs join kebabcase keys kindIs kindOf last list lower max "
    "maxf merge mergeOverwrite min minf mod mul mulf mustAppend mustChunk mustCompact "
    "mustDateModify mustDeepCopy mustFirst mustFromJson mustHas mustInitial mustLast "
    "mustMerge mustMergeOverwrite mustPrepend mustRegexFind mustRegexFindAll "
    "mustRegexMatch mustRegexReplaceAll mustRegexReplaceAllLiteral mustRegexSplit "
    "mustRest mustReverse mustSlice mustToDate mustToJson mustToPrettyJson "
    "mustToRawJson mustUniq mustWithout must_date_modify nindent nospace now omit "
    "osBase osClean osDir osExt osIsAbs pick pluck plural prepend quote randAlpha "
    "randAlphaNum randAscii randBytes randInt randNumeric regexFind regexFindAll "
    "regexMatch regexQuoteMeta regexReplaceAll regexReplaceAllLiteral regexSplit repeat "
    "replace rest reverse round semver semverCompare seq set sha1sum sha256sum shuffle "
    "slice snakecase sortAlpha split splitList splitn squote sub subf substr swapcase "
    "ternary title toDate toDecimal toJson toPrettyJson toRawJson toString toStrings "
    "trim trimAll trimPrefix trimSuffix trimall trunc tuple typeIs typeIsLike typeOf "
    "uniq unixEpoch unset until untilStep untitle upper urlJoin urlParse uuidv4 values "
    "without wrap wrapWith"
)

#: Every function name a template may call.
FUNCTIONS = (
    GO_BUILTINS
    | CONSUL_TEMPLATE
    | CONSUL_TEMPLATE_NEWER
    | frozenset(f"sprig_{name}" for name in SPRIG)
)
