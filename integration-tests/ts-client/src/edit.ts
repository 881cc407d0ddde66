// Makes an edit on an Amend host over gRPC, from TypeScript: lists the models, writes one fact with ROME,
// checks the new answer by generating, and rolls the edit back.
//
//   npm install && npm run build
//   node dist/edit.js localhost:8080 <token> [subject] [target]
//
// Prints one JSON line {"id", "before", "after", "generated", "rolledBack"} and exits 0, or prints the gRPC
// error and exits 1.
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import * as path from "path";

const PROTO = path.resolve(__dirname, "../../../platform/server/src/main/proto/amend.proto");

type Callback<T> = (err: grpc.ServiceError | null, value?: T) => void;
type Unary = (request: object, metadata: grpc.Metadata, callback: Callback<any>) => void;

function call<T>(client: grpc.Client, method: string, request: object, metadata: grpc.Metadata): Promise<T> {
  const fn = (client as unknown as Record<string, Unary>)[method].bind(client);
  return new Promise<T>((resolve, reject) => fn(request, metadata, (err, value) => (err ? reject(err) : resolve(value as T))));
}

async function main(): Promise<void> {
  const [address = "localhost:8080", token = "", subject = "Germany", target = "Rome"] = process.argv.slice(2);
  const definition = protoLoader.loadSync(PROTO, { keepCase: false, longs: String, enums: String, defaults: true });
  const proto = grpc.loadPackageDefinition(definition) as any;
  const client: grpc.Client = new proto.amend.v1.Amend(address, grpc.credentials.createInsecure());
  const auth = new grpc.Metadata();
  auth.set("authorization", `Bearer ${token}`);
  const none = new grpc.Metadata();

  const models = await call<{ models: { name: string }[] }>(client, "ListModels", {}, none);
  if (!models.models.some((m) => m.name === "demo")) {
    throw new Error(`the host does not serve the demo model: ${JSON.stringify(models)}`);
  }
  const edit = await call<{ id: string; before: string[]; after: string[] }>(client, "Edit", {
    model: "demo",
    method: "rome",
    requests: [{ prompt: "The capital of {} is", subject, target }],
    hparamsJson: JSON.stringify({ v_num_grad_steps: 20 }),
    noEvaluation: true,
  }, auth);
  const generated = await call<{ text: string }>(client, "Generate", {
    model: "demo", prompt: `The capital of ${subject} is`, maxNewTokens: 3,
  }, none);
  const rollback = await call<{ rolledBack: string[] }>(client, "RollbackEdits", { model: "demo", ids: [edit.id] }, auth);
  console.log(JSON.stringify({ id: edit.id, before: edit.before, after: edit.after, generated: generated.text,
    rolledBack: rollback.rolledBack }));
  client.close();
}

main().catch((e: unknown) => {
  const err = e as grpc.ServiceError;
  console.error(`amend-ts-client: ${err.code !== undefined ? grpc.status[err.code] + ": " : ""}${err.message ?? e}`);
  process.exit(1);
});
