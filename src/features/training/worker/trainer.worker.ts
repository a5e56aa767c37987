/** Entry of the training Web Worker: exposes the trainer API to the page. */
import * as Comlink from 'comlink';
import { fetchBytes } from '../../../shared/dataset';
import { keepingOfflineCopies } from '../../../shared/offline-copy';
import { createTrainerApi } from './trainer-api';

Comlink.expose(createTrainerApi({ fetchBytes: keepingOfflineCopies(fetchBytes) }));
