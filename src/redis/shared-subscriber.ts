import type { Cluster, Redis } from "ioredis";

/**
 * One `message` listener per subscriber connection, whatever the number of stores on it: each channel maps to
 * the callbacks of the stores watching it, and the connection subscribes on a channel's first and
 * unsubscribes on its last. The listener goes when the last channel does.
 */
export interface SharedSubscriber {
	add(channel: string, callback: () => void): () => void;
}

const sharedSubscribers = new WeakMap<object, SharedSubscriber>();

export function sharedSubscriber(subscriber: Redis | Cluster): SharedSubscriber {
	const existing = sharedSubscribers.get(subscriber);
	if (existing !== undefined) {
		return existing;
	}
	const channels = new Map<string, Set<() => void>>();
	const onMessage = (channel: string) => {
		for (const callback of channels.get(channel) ?? []) callback();
	};
	const shared: SharedSubscriber = {
		add(channel, callback) {
			if (channels.size === 0) subscriber.on("message", onMessage);
			let callbacks = channels.get(channel);
			if (callbacks === undefined) {
				callbacks = new Set();
				channels.set(channel, callbacks);
				// A lost subscription only costs polling.
				subscriber.subscribe(channel).catch(() => {});
			}
			const entry = () => callback();
			callbacks.add(entry);
			return () => {
				if (!callbacks.delete(entry) || callbacks.size > 0) return;
				channels.delete(channel);
				subscriber.unsubscribe(channel).catch(() => {});
				if (channels.size === 0) subscriber.off("message", onMessage);
			};
		},
	};
	sharedSubscribers.set(subscriber, shared);
	return shared;
}
