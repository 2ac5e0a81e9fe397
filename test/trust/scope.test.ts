import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicy } from '../../src/config/policy/index.js';
import { parseReference } from '../../src/reference/index.js';
import { requirementsFor } from '../../src/trust/index.js';

const policy = parsePolicy(
  JSON.stringify({
    default: [{ type: 'reject' }],
    transports: {
      docker: { 'quay.io/team': [{ type: 'insecureAcceptAnything' }], '*.example.com': [{ type: 'insecureAcceptAnything' }], '': [{ type: 'reject' }] },
      oci: { '/srv/layouts': [{ type: 'insecureAcceptAnything' }] },
    },
  }),
  'policy.json',
);

test('the most specific docker scope decides; the transport default before the global one', () => {
  const team = requirementsFor(policy, { transport: 'docker', reference: parseReference('quay.io/team/app:1') });
  assert.equal(team.scopeLabel, 'transports.docker."quay.io/team"');
  assert.deepEqual(team.tried, ['quay.io/team/app:1', 'quay.io/team/app', 'quay.io/team']);
  assert.equal(
    requirementsFor(policy, { transport: 'docker', reference: parseReference('reg.example.com/x:1') }).scopeLabel,
    'transports.docker."*.example.com"',
  );
  // `*.example.com` never matches example.com itself: the transport's "" does.
  assert.equal(requirementsFor(policy, { transport: 'docker', reference: parseReference('example.com/x:1') }).scopeLabel, 'transports.docker.""');
});

test('path scopes: the path, then its parents, never "/"; a transport without entries falls to default', () => {
  const inside = requirementsFor(policy, { transport: 'oci', path: '/srv/layouts/app' });
  assert.equal(inside.scopeLabel, 'transports.oci."/srv/layouts"');
  assert.deepEqual(inside.tried, ['/srv/layouts/app', '/srv/layouts']);
  const elsewhere = requirementsFor(policy, { transport: 'dir', path: '/tmp/img' });
  assert.equal(elsewhere.scopeLabel, 'default');
  assert.deepEqual(elsewhere.tried, ['/tmp/img', '/tmp', '']);
  assert.deepEqual(requirementsFor(policy, { transport: 'docker-archive', path: '/tmp/a.tar' }).tried, ['']);
});
