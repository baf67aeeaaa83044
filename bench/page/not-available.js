/** Thrown by a case's setup when what it measures does not exist (yet): reported, not a failure. */
export class NotAvailable extends Error {
  constructor(message) {
    super(message);
    this.name = 'NotAvailable';
  }
}
