import { x } from "@todo/core"; console.log("ok", x, process.version);
