// The little of node:http that controls.mts uses (a webhook receiver), so
// that the stories compile without @types/node.
declare module "node:http" {
  interface IncomingMessage {
    headers: Record<string, string | string[] | undefined>;
    on(event: "data", listener: (chunk: Buffer) => void): this;
    on(event: "end", listener: () => void): this;
  }
  interface ServerResponse {
    writeHead(status: number): this;
    end(body?: string): this;
  }
  interface Server {
    listen(port: number, host: string, callback: () => void): this;
    address(): { port: number } | string | null;
    close(): this;
  }
  function createServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Server;
}
interface Buffer {
  toString(): string;
}
