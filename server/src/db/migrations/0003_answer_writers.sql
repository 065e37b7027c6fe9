-- Which server process writes each streaming answer, and which processes are alive: an answer whose writer stopped beating is ended by any other instance's sweep.
CREATE TABLE "instances" (
	"id" uuid PRIMARY KEY NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL
);--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "writer_id" uuid;
