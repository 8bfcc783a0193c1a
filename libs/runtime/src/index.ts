/** libs/runtime: what every Ratel process shares to run (main, signals, periodic tasks, health and metrics server, back-off). */
export {};
