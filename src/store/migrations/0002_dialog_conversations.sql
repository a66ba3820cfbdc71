CREATE TABLE "conversation_messages" (
	"id" text PRIMARY KEY NOT NULL,
	"conversation_id" text NOT NULL,
	"seq" integer NOT NULL,
	"persona" text NOT NULL,
	"content" text NOT NULL,
	"heard" boolean NOT NULL,
	"tool_call_id" text,
	"tool_calls" jsonb,
	"call_id" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "conversations" (
	"id" text PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"channel" text NOT NULL,
	"agent_id" text NOT NULL,
	"call_id" text,
	"state" text NOT NULL,
	"next_action" text,
	"language" text NOT NULL,
	"claim" jsonb NOT NULL,
	"memory" jsonb NOT NULL,
	"reminders" jsonb NOT NULL,
	"synthesis" jsonb,
	"resume_count" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "dialog_documents" (
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"version" integer NOT NULL,
	"document" jsonb NOT NULL,
	"comment" text,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "dialog_documents_pk" PRIMARY KEY("kind","name","version")
);
--> statement-breakpoint
ALTER TABLE "conversation_messages" ADD CONSTRAINT "conversation_messages_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "conversation_messages_seq_idx" ON "conversation_messages" USING btree ("conversation_id","seq");--> statement-breakpoint
CREATE INDEX "conversation_messages_call_idx" ON "conversation_messages" USING btree ("call_id");--> statement-breakpoint
CREATE INDEX "conversations_resume_idx" ON "conversations" USING btree ("key","agent_id","updated_at");--> statement-breakpoint
CREATE INDEX "conversations_call_idx" ON "conversations" USING btree ("call_id");