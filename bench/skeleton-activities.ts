export function createSkeletonActivities(onDone: (id: string) => void) {
  return {
    async noop(_step: string): Promise<void> {},
    async done(id: string): Promise<void> {
      onDone(id);
    },
  };
}
export type SkeletonActivities = ReturnType<typeof createSkeletonActivities>;
