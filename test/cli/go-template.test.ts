import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldHeader, isJsonFormat, renderTemplate } from '../../src/cli/format-option.js';
import { compileTemplate } from '../../src/cli/go-template.js';
import { GoTime } from '../../src/cli/go-values.js';
import { HoistError } from '../../src/errors.js';

const image = {
  ID: 'e3d42bcaf643',
  Repository: 'docker.io/kubernetes/pause',
  Tag: 'latest',
  Names: ['docker.io/kubernetes/pause:latest', 'quay.io/p:1'],
  Labels: { k: 'v', other: 'x' },
  Dangling: false,
  Size: 251000,
  Created: new GoTime('2014-07-19T07:02:32.267701596Z'),
};
const render = (template: string, data: unknown = image) => compileTemplate(template).render(data);

function refused(template: string, message: string): void {
  assert.throws(
    () => compileTemplate(template).render(image),
    (err: unknown) => err instanceof HoistError && err.code === 'INVALID_ARGUMENT' && err.message === message,
  );
}

test('fields, nested map keys, literals and Go printing of lists, maps, booleans and times', () => {
  assert.equal(render('{{.ID}} {{.Repository}}:{{.Tag}}'), 'e3d42bcaf643 docker.io/kubernetes/pause:latest');
  assert.equal(render('{{.Names}} {{.Labels}} {{.Dangling}} {{.Size}}'), '[docker.io/kubernetes/pause:latest quay.io/p:1] map[k:v other:x] false 251000');
  assert.equal(render('{{.Labels.k}}|{{.Labels.nope}}'), 'v|<no value>');
  assert.equal(render('{{.Created}}'), '2014-07-19 07:02:32.267701596 +0000 UTC');
  assert.equal(render('{{ "a\\tb" }} {{`raw`}} {{3}} {{true}}'), 'a\\u0009b raw 3 true');
});

test('functions: json, upper, lower, title, join, truncate, index, len, printf, print, eq, ne, not, and, or', () => {
  assert.equal(
    render('{{json .Labels}} {{json .Created}} {{json .Names}}'),
    '{"k":"v","other":"x"} "2014-07-19T07:02:32.267701596Z" ["docker.io/kubernetes/pause:latest","quay.io/p:1"]',
  );
  assert.equal(render('{{json "<&>"}}'), '"\\u003c\\u0026\\u003e"');
  assert.equal(render('{{upper .Tag}} {{lower "AB"}} {{title .Tag}} {{truncate .Repository 9}}'), 'LATEST ab Latest docker.io');
  assert.equal(
    render('{{join .Names ","}} {{index .Labels "k"}}[{{index .Labels "none"}}] {{index .Names 1}} {{len .Names}}'),
    'docker.io/kubernetes/pause:latest,quay.io/p:1 v[] quay.io/p:1 2',
  );
  assert.equal(render('{{printf "%-8s|%5d|%q|%v%%" .Tag 42 .Tag .Dangling}} {{print .Tag 1}}'), 'latest  |   42|"latest"|false% latest1');
  assert.equal(
    render('{{eq .Tag "latest"}} {{ne .Tag "latest"}} {{not .Dangling}} {{and .Tag .Dangling}} {{or .Dangling .Tag}}'),
    'true false true false latest',
  );
});

test('pipelines, parentheses, if/else, range (with else), trim markers and comments', () => {
  assert.equal(render('{{.Repository | upper}} {{.Tag | printf "%s!"}} {{upper (index .Labels "k")}}'), 'DOCKER.IO/KUBERNETES/PAUSE latest! V');
  assert.equal(render('{{if .Dangling}}D{{else}}N{{end}}{{if .Tag}}T{{end}}'), 'NT');
  assert.equal(render('{{range .Names}}[{{.}}]{{end}} {{range .Labels}}{{.}};{{end}}'), '[docker.io/kubernetes/pause:latest][quay.io/p:1] v;x;');
  assert.equal(render('{{range .Nothing}}x{{else}}empty{{end}}', { Nothing: [] }), 'empty');
  assert.equal(render('a  {{- .Tag -}}  b{{/* a comment */}}'), 'alatestb');
});

test('refusals: one error naming the template and the position', () => {
  refused('{{.ID', 'invalid --format template "{{.ID": unclosed action at position 1');
  refused('x {{.Nope}}', 'invalid --format template "x {{.Nope}}": no field "Nope" (see the command\'s --help for the fields) at position 5');
  refused(
    '{{ foo .ID }}',
    'invalid --format template "{{ foo .ID }}": function "foo" is not supported (hoist knows: json, upper, lower, title, join, truncate, index, len, printf, print, eq, ne, not, and, or) at position 4',
  );
  refused('{{if .ID}}x', 'invalid --format template "{{if .ID}}x": {{if}} without {{end}} at position 1');
  refused('{{end}}', 'invalid --format template "{{end}}": unexpected {{end}} at position 1');
  refused('{{$x := .ID}}', 'invalid --format template "{{$x := .ID}}": variables ($) are not supported at position 3');
  refused('{{"open}}', 'invalid --format template "{{\\"open}}": unterminated string at position 3');
  refused('{{.ID .Tag}}', 'invalid --format template "{{.ID .Tag}}": ".ID" is not a function, yet has arguments at position 7');
  refused('{{upper}}', 'invalid --format template "{{upper}}": upper takes 1 argument(s), got 0 at position 3');
  refused('{{range .Tag}}x{{end}}', 'invalid --format template "{{range .Tag}}x{{end}}": range can\'t iterate over latest at position 9');
  refused('{{.Tag.Deeper}}', 'invalid --format template "{{.Tag.Deeper}}": can\'t read field "Deeper" of "latest" at position 3');
});

test("Podman's documented images example: table with spaces, headers from the fields", () => {
  // podman-images(1): podman images --format "table {{.ID}} {{.Repository}} {{.Tag}}"
  const rows = [
    { ID: 'e3d42bcaf643', Repository: 'docker.io/kubernetes/pause', Tag: 'latest' },
    { ID: 'ebb91b73692b', Repository: '<none>', Tag: '<none>' },
    { ID: '4526339ae51c', Repository: 'docker.io/library/ubuntu', Tag: 'latest' },
  ];
  const headerOf = (field: string) => (field === 'ID' ? 'IMAGE ID' : fieldHeader(field));
  assert.equal(
    renderTemplate('table {{.ID}} {{.Repository}} {{.Tag}}', rows, { headerOf }),
    [
      'IMAGE ID      REPOSITORY                  TAG',
      'e3d42bcaf643  docker.io/kubernetes/pause  latest',
      'ebb91b73692b  <none>                      <none>',
      '4526339ae51c  docker.io/library/ubuntu    latest',
    ].join('\n'),
  );
  assert.equal(renderTemplate('table {{.ID}}', rows.slice(0, 1), { headerOf, noHeading: true }), 'e3d42bcaf643');
  // Without table: one line per item, \t and \n as typed become a tab (aligned) and a line break.
  assert.equal(renderTemplate('{{.ID}}\\t{{.Tag}}', rows.slice(0, 2)), 'e3d42bcaf643  latest\nebb91b73692b  <none>');
  assert.equal(renderTemplate('{{.Tag}}\\n', rows.slice(0, 2)), 'latest\n<none>');
  assert.equal(renderTemplate('{{.Tag}}', []), '');
  // A space inside an action or its strings is no column break (Podman's rewriting makes it one).
  assert.equal(renderTemplate('table {{printf "%s %s" .Tag .ID}}', rows.slice(0, 1), { noHeading: true }), 'latest e3d42bcaf643');
});

test('column titles and the JSON forms', () => {
  assert.deepEqual(['RepoTags', 'ID', 'Os', 'CreatedSince', 'VirtualSize'].map(fieldHeader), ['REPO TAGS', 'ID', 'OS', 'CREATED SINCE', 'VIRTUAL SIZE']);
  for (const f of ['json', ' json ', '{{json .}}', '{{ json . }}']) assert.equal(isJsonFormat(f), true, f);
  for (const f of ['{{json .Labels}}', 'table json', '{{.ID}}']) assert.equal(isJsonFormat(f), false, f);
});
