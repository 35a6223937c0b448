// The debug adapter as its own process, speaking DAP on stdin/stdout (bundled as dist/debug-adapter.js): what
// the editor starts for a `cairn` launch (client/debug.ts), and what the DebugClient tests drive.
import { DebugSession } from '@vscode/debugadapter';
import { CairnDebugSession } from './debug-session';

DebugSession.run(CairnDebugSession);
