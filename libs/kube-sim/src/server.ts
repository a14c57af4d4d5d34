/**
 * The simulator's HTTP(S) server: many clusters on one port, each under `/clusters/{name}`,
 * optional TLS and bearer-token auth, kubeconfig output and JSON snapshots.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { SimulatedCluster } from './cluster';
import { ControllerManager, type ControllerOptions } from './controllers/controller-manager';
import { pathNotFound, StatusError, unauthorized } from './errors';
import { handleClusterRequest, sendError } from './http-handler';
import { buildKubeconfig } from './kubeconfig';
import type { StoreSnapshot } from './storage';
import { selfSignedCertificate, type ServingCertificate } from './tls';

export interface KubeSimServerOptions {
  /** Serve HTTPS with a fresh self-signed certificate. */
  tls?: boolean;
  /** Require `Authorization: Bearer <token>`. */
  token?: string;
  /** Controller simulation for every cluster; `false` leaves status to the tests. */
  controllers?: Partial<ControllerOptions> | false;
  /** Changes kept per cluster for watches to resume from. */
  historySize?: number;
  bookmarkIntervalMs?: number;
  /** Also serve this cluster at the root path, as a lone API server does (what in-cluster configuration dials). */
  rootCluster?: string;
}

interface HostedCluster {
  cluster: SimulatedCluster;
  controllers?: ControllerManager;
}

interface Snapshot {
  clusters: Record<string, StoreSnapshot>;
}

const clusterPathPattern = /^\/clusters\/([^/]+)(\/.*)?$/;

export class KubeSimServer {
  private server?: Server;
  private certificate?: ServingCertificate;
  private readonly hosted = new Map<string, HostedCluster>();
  private readonly sockets = new Set<Socket>();
  private baseUrl = '';

  constructor(private readonly options: KubeSimServerOptions = {}) {}

  /** Listens on `host:port` (port 0 picks a free one). */
  async start(port = 0, host = '127.0.0.1'): Promise<void> {
    const handler = (request: IncomingMessage, response: ServerResponse) => void this.handle(request, response);
    if (this.options.tls) {
      this.certificate = selfSignedCertificate();
      this.server = createHttpsServer({ cert: this.certificate.cert, key: this.certificate.key }, handler);
    } else {
      this.server = createHttpServer(handler);
    }
    this.server.keepAliveTimeout = 60_000;
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    this.baseUrl = `${this.options.tls ? 'https' : 'http'}://${host}:${address.port}`;
  }

  /** `http://127.0.0.1:PORT`. */
  get url(): string {
    return this.baseUrl;
  }

  /** The PEM certificate of the TLS mode. */
  get certificateAuthority(): string | undefined {
    return this.certificate?.cert;
  }

  /** The API server URL of one cluster. */
  clusterUrl(name: string): string {
    return `${this.baseUrl}/clusters/${encodeURIComponent(name)}`;
  }

  /** Creates a cluster (with its controllers, unless disabled) and serves it. */
  addCluster(name: string): SimulatedCluster {
    if (this.hosted.has(name)) throw new Error(`kube-sim: cluster ${name} already exists`);
    const cluster = new SimulatedCluster(name, { historySize: this.options.historySize });
    this.host(cluster);
    return cluster;
  }

  /** A served cluster by name. */
  cluster(name: string): SimulatedCluster {
    const hosted = this.hosted.get(name);
    if (!hosted) throw new Error(`kube-sim: no cluster named ${name}`);
    return hosted.cluster;
  }

  /** Every served cluster's name, in creation order. */
  clusterNames(): string[] {
    return [...this.hosted.keys()];
  }

  /** Stops serving a cluster and drops its state. */
  removeCluster(name: string): void {
    this.hosted.get(name)?.controllers?.stop();
    this.hosted.delete(name);
  }

  /** Kubeconfig YAML with one context per cluster (all clusters unless named). */
  kubeconfig(names: readonly string[] = this.clusterNames()): string {
    return buildKubeconfig(
      names.map((name) => ({ name, server: this.clusterUrl(name) })),
      { certificateAuthority: this.certificate?.cert, token: this.options.token },
    );
  }

  /** Writes `kubeconfig(names)` to a file. */
  async writeKubeconfig(path: string, names?: readonly string[]): Promise<void> {
    await writeFile(path, this.kubeconfig(names), { mode: 0o600 });
  }

  /** Saves every cluster's objects to a JSON file. */
  async saveSnapshot(path: string): Promise<void> {
    const snapshot: Snapshot = { clusters: {} };
    for (const [name, { cluster }] of this.hosted) snapshot.clusters[name] = cluster.store.dump();
    await writeFile(path, JSON.stringify(snapshot));
  }

  /** Restores clusters saved by `saveSnapshot`, replacing any of the same name. */
  async loadSnapshot(path: string): Promise<void> {
    const snapshot = JSON.parse(await readFile(path, 'utf8')) as Snapshot;
    for (const [name, dump] of Object.entries(snapshot.clusters)) {
      this.removeCluster(name);
      this.host(new SimulatedCluster(name, { historySize: this.options.historySize, snapshot: dump }));
    }
  }

  /** Stops controllers, closes watches and connections, and stops listening. */
  async stop(): Promise<void> {
    for (const { controllers } of this.hosted.values()) controllers?.stop();
    const server = this.server;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = undefined;
  }

  private host(cluster: SimulatedCluster): void {
    const controllers = this.options.controllers === false ? undefined : new ControllerManager(cluster, this.options.controllers ?? {});
    this.hosted.set(cluster.name, { cluster, controllers });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const url = new URL(request.url ?? '/', 'http://kube-sim');
      const match = clusterPathPattern.exec(url.pathname);
      if (!match && this.options.rootCluster === undefined) throw pathNotFound(url.pathname);
      const name = match ? decodeURIComponent(match[1]) : (this.options.rootCluster as string);
      const path = match ? (match[2] ?? '/') : url.pathname;
      const anonymous = ['/version', '/healthz', '/livez', '/readyz'].includes(path);
      if (this.options.token && !anonymous && request.headers.authorization !== `Bearer ${this.options.token}`) throw unauthorized();
      const hosted = this.hosted.get(name);
      if (!hosted) throw new StatusError(404, 'NotFound', `kube-sim: no cluster named ${name}`);
      await handleClusterRequest(
        hosted.cluster,
        { prefix: match ? `/clusters/${match[1]}` : '', serverAddress: new URL(this.baseUrl).host, bookmarkIntervalMs: this.options.bookmarkIntervalMs ?? 5_000 },
        request,
        response,
        path,
        url.searchParams,
      );
    } catch (error) {
      sendError(response, error);
    }
  }
}
