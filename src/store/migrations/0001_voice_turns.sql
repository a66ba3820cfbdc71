CREATE TABLE "voice_turns" (
	"id" text PRIMARY KEY NOT NULL,
	"call_id" text NOT NULL,
	"participant_id" text,
	"turn_index" integer NOT NULL,
	"user_text" text NOT NULL,
	"assistant_text" text NOT NULL,
	"interrupted" boolean NOT NULL,
	"latency" jsonb NOT NULL,
	"events" jsonb NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "voice_turns" ADD CONSTRAINT "voice_turns_call_id_calls_id_fk" FOREIGN KEY ("call_id") REFERENCES "calls"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "voice_turns_call_idx" ON "voice_turns" USING btree ("call_id","turn_index");