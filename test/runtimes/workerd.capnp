using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "smoke", worker = .smokeWorker) ],
);

const smokeWorker :Workerd.Worker = (
  modules = [ (name = "worker.mjs", esModule = embed "worker.bundle.mjs") ],
  compatibilityDate = "2026-11-01",
);
