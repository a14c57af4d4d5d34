import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname } from 'node:path';

/** A smart-HTTP git server (git http-backend) for one repository, requiring HTTP basic auth with `token`. */
export interface GitHttpServer {
  /** Clone URL without credentials, e.g. http://127.0.0.1:PORT/fleet.git */
  url: string;
  /** Authorization headers seen, to check that credentials travelled. */
  authorizations: string[];
  close(): Promise<void>;
}

/** `delayMs`: how long each request waits before it is served, for a remote that is slow to fetch from. */
export async function startGitHttpServer(repositoryDir: string, username: string, token: string, options: { delayMs?: number } = {}): Promise<GitHttpServer> {
  const expected = `Basic ${Buffer.from(`${username}:${token}`).toString('base64')}`;
  const authorizations: string[] = [];
  const serve = (request: IncomingMessage, response: ServerResponse) => {
    authorizations.push(request.headers.authorization ?? '');
    if (request.headers.authorization !== expected) {
      request.resume();
      response.writeHead(401, { 'www-authenticate': 'Basic realm="capstan-test"' }).end();
      return;
    }
    const url = new URL(request.url ?? '/', 'http://localhost');
    const backend = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin',
        GIT_PROJECT_ROOT: dirname(repositoryDir),
        GIT_HTTP_EXPORT_ALL: '1',
        REQUEST_METHOD: request.method ?? 'GET',
        PATH_INFO: url.pathname.replace(/^\/[^/]+/, `/${basename(repositoryDir)}`),
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: request.headers['content-type'] ?? '',
        // As git hosting services do: protocol v2 when the client asks for it.
        GIT_PROTOCOL: String(request.headers['git-protocol'] ?? ''),
        REMOTE_USER: username,
      },
    });
    request.pipe(backend.stdin);
    // CGI output: headers, a blank line, then the body.
    let head = Buffer.alloc(0);
    let headersSent = false;
    backend.stdout.on('data', (chunk: Buffer) => {
      if (headersSent) return void response.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const headers = head.subarray(0, end).toString().split('\r\n');
      const status = headers.find((line) => line.toLowerCase().startsWith('status:'));
      response.statusCode = status ? Number(status.split(' ')[1]) : 200;
      for (const line of headers) {
        const colon = line.indexOf(':');
        if (colon > 0 && !line.toLowerCase().startsWith('status:')) response.setHeader(line.slice(0, colon), line.slice(colon + 1).trim());
      }
      headersSent = true;
      response.write(head.subarray(end + 4));
    });
    backend.on('close', () => response.end());
  };
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    if (!options.delayMs) return serve(request, response);
    request.pause();
    setTimeout(() => serve(request, response), options.delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/fleet.git`,
    authorizations,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
